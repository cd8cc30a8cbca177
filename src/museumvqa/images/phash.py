"""Perceptual hash (DCT pHash) of an image, stored in the shard index: a cheap key for copies of a picture.

A re-encoded or resized copy differs in its bytes (sha256) but keeps the low-frequency structure the
hash encodes: their hashes differ in only a few of the 64 bits. A crop, a tilt or a frame moves that
structure, so the benchmark build's leak check across splits does not rely on it: it matches local
features instead (`museumvqa.images.fingerprint`; BENCHMARKS.md compares the two).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

_SIDE = 32
_LOW = 8


def _dct_matrix(n: int) -> np.ndarray:
    """The orthonormal DCT-II matrix: `D @ x` is the DCT of the column vector `x`."""
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    d = np.cos(np.pi * (2 * i + 1) * k / (2 * n)) * np.sqrt(2.0 / n)
    d[0] /= np.sqrt(2.0)
    return d


_DCT = _dct_matrix(_SIDE)


def phash(img: Image.Image) -> str:
    """64-bit pHash as 16 hex digits: the signs of the 8x8 lowest DCT terms around their median.

    The 32x32 thumbnail is box-reduced first (`reducing_gap`), then Lanczos-filtered: a third of the
    cost of Lanczos all the way (0.17 vs 0.53 ms from 384 px), and within 2 bits of its hash.
    """
    thumbnail = img.convert("L").resize((_SIDE, _SIDE), Image.Resampling.LANCZOS, reducing_gap=2.0)
    grey = np.asarray(thumbnail, dtype=np.float64)
    low = (_DCT @ grey @ _DCT.T)[:_LOW, :_LOW].flatten()
    bits = low > np.median(low[1:])  # the DC term would dominate the median
    return f"{int(''.join('1' if b else '0' for b in bits), 2):016x}"


def hamming(a: str, b: str) -> int:
    """Number of differing bits between two hashes from `phash`."""
    return (int(a, 16) ^ int(b, 16)).bit_count()
