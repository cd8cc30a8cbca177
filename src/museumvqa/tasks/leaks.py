"""Near-duplicate images across splits, by perceptual hash: the same painting photographed twice, or a
crop of it, must not sit in train and test at once.

The hash is a 64-bit difference hash (dHash) of a 9x8 grey thumbnail. Two images are near duplicates
when their hashes differ in at most `max_distance` bits. Candidates are found by banding: the hash is
cut into `max_distance + 1` bands, and two hashes within that distance agree on at least one band
(pigeonhole), so only hashes sharing a band are compared: no all-pairs loop over the collection.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from PIL import Image

HASH_BITS = 64


def dhash(image: Image.Image) -> int:
    """64-bit difference hash: each bit says whether a pixel is brighter than its right neighbour."""
    grey = np.asarray(image.convert("L").resize((9, 8), Image.Resampling.LANCZOS), dtype=np.int16)
    bits = 0
    for brighter in (grey[:, :-1] > grey[:, 1:]).ravel():
        bits = (bits << 1) | int(brighter)
    return bits


def _bands(value: int, count: int) -> list[tuple[int, int]]:
    width = -(-HASH_BITS // count)
    return [(i, (value >> (i * width)) & ((1 << width) - 1)) for i in range(count)]


def find_leaks(
    hashes: Mapping[str, int], split_of: Mapping[str, str], max_distance: int = 4
) -> list[tuple[str, str, int]]:
    """(test key, train/val key, distance) for every test image within `max_distance` bits of a non-test one.

    `hashes` maps image key -> hash; `split_of` maps image key -> split.
    """
    bands = max_distance + 1
    buckets: dict[tuple[int, int], list[str]] = defaultdict(list)
    for key, value in hashes.items():
        if split_of[key] != "test":
            for band in _bands(value, bands):
                buckets[band].append(key)
    leaks = []
    for key in sorted(k for k in hashes if split_of[k] == "test"):
        candidates = {other for band in _bands(hashes[key], bands) for other in buckets.get(band, ())}
        for other in sorted(candidates):
            distance = (hashes[key] ^ hashes[other]).bit_count()
            if distance <= max_distance:
                leaks.append((key, other, distance))
    return leaks


@dataclass(frozen=True)
class Leaks:
    """The leaks of one split: pairs (test key, train/val key, distance) and each image key's split and exhibit."""

    pairs: list[tuple[str, str, int]]
    key_split: dict[str, str]
    key_exhibit: dict[str, str]

    @property
    def exhibits(self) -> set[str]:
        """The test exhibits removed from every task set."""
        return {self.key_exhibit[test_key] for test_key, _, _ in self.pairs}
