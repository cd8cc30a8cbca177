"""Generated views for the MultiAngle task, for exhibits whose source has a single photograph.

Each view imitates a visitor's photo of the same object: a closer crop, a tilted camera, an oblique
angle, other lighting. Parameters come from a hash of the sample key, so a rebuild gives the same
pixels. The index flags these views `generated` so no one mistakes them for real photographs.
"""

from __future__ import annotations

import hashlib
import random

import numpy as np
from PIL import Image, ImageEnhance

VIEW_KINDS: tuple[str, ...] = ("crop", "rotation", "perspective", "lighting")
_WHITE = (255, 255, 255)


def generated_views(img: Image.Image, count: int, seed: str) -> list[tuple[str, Image.Image]]:
    """`count` (label, image) pairs cycling through `VIEW_KINDS`, each the size of `img`; labels read
    `generated:<kind>`."""
    rng = random.Random(int.from_bytes(hashlib.sha256(seed.encode("utf-8")).digest()[:8], "big"))
    views = []
    for n in range(count):
        kind = VIEW_KINDS[n % len(VIEW_KINDS)]
        views.append((f"generated:{kind}", _MAKERS[kind](img.convert("RGB"), rng)))
    return views


def _crop(img: Image.Image, rng: random.Random) -> Image.Image:
    share = rng.uniform(0.6, 0.85)
    w, h = max(1, round(img.width * share)), max(1, round(img.height * share))
    left, top = rng.randint(0, img.width - w), rng.randint(0, img.height - h)
    return img.resize(img.size, Image.Resampling.LANCZOS, box=(left, top, left + w, top + h))  # a closer shot


def _rotation(img: Image.Image, rng: random.Random) -> Image.Image:
    angle = rng.choice((-1, 1)) * rng.uniform(4.0, 12.0)
    return img.rotate(angle, Image.Resampling.BICUBIC, expand=False, fillcolor=_WHITE)


def _perspective(img: Image.Image, rng: random.Random) -> Image.Image:
    """The object seen from one side: the far edge shrinks towards the centre."""
    w, h = img.size
    squeeze = rng.uniform(0.06, 0.16) * h
    if rng.random() < 0.5:  # left edge far away
        corners = [(0, squeeze), (w, 0), (w, h), (0, h - squeeze)]
    else:
        corners = [(0, 0), (w, squeeze), (w, h - squeeze), (0, h)]
    coeffs = _perspective_coeffs(corners, [(0, 0), (w, 0), (w, h), (0, h)])
    return img.transform(img.size, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC, fillcolor=_WHITE)


def _perspective_coeffs(targets: list[tuple[float, float]], sources: list[tuple[float, float]]) -> tuple[float, ...]:
    """The 8 coefficients PIL wants: for each output pixel (a target corner), where to sample (a source corner)."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(targets, sources):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs += [u, v]
    return tuple(np.linalg.solve(np.array(rows, dtype=np.float64), np.array(rhs, dtype=np.float64)))


def _lighting(img: Image.Image, rng: random.Random) -> Image.Image:
    brighter = ImageEnhance.Brightness(img).enhance(rng.choice((rng.uniform(0.65, 0.85), rng.uniform(1.15, 1.35))))
    return ImageEnhance.Contrast(brighter).enhance(rng.uniform(0.8, 1.2))


_MAKERS = {"crop": _crop, "rotation": _rotation, "perspective": _perspective, "lighting": _lighting}
