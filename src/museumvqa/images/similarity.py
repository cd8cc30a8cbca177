"""Which indexed image a photograph looks most like, with no model and no download: the catalogue
retrieval baseline and serving's exhibit recognition share it, so serving finds what evaluation scores.

Image feature: a 4x4x4 RGB colour histogram and a 16x16 grey thumbnail (mean-removed), each unit
length, concatenated; the cosine of two images is half their features' dot product.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

FEATURE_SIZE = 64 + 256


def image_feature(image: Image.Image) -> np.ndarray:
    """Colour histogram + grey layout, 64 + 256 values, each half unit length."""
    rgb = np.asarray(image.convert("RGB").resize((64, 64), Image.Resampling.BILINEAR), dtype=np.int64) // 64
    bins = np.bincount((rgb[..., 0] * 16 + rgb[..., 1] * 4 + rgb[..., 2]).ravel(), minlength=64).astype(float)
    grey = np.asarray(image.convert("L").resize((16, 16), Image.Resampling.BILINEAR), dtype=float).ravel()
    grey -= grey.mean()
    parts = [bins / (np.linalg.norm(bins) or 1.0), grey / (np.linalg.norm(grey) or 1.0)]
    return np.concatenate(parts)


def nearest(features: np.ndarray, feature: np.ndarray, exclude: int | None = None) -> tuple[int, float] | None:
    """(row, cosine in [-1, 1]) of the row of `features` most like the image whose `image_feature` is
    `feature`, the lowest row on ties.

    `exclude` leaves one row out (its cosine is -inf, so a one-row index answers -inf); None when
    `features` has no rows.
    """
    if not len(features):
        return None
    similarity = features @ feature / 2  # each feature is two unit-length halves
    if exclude is not None:
        similarity[exclude] = -np.inf
    best = int(np.argmax(similarity))
    return best, float(similarity[best])
