"""Near-duplicate images across splits: the same object photographed twice (cropped, tilted, framed, lit
or encoded otherwise), or one photograph and a crop of it, must not sit in train and test at once.

Method `orb-ransac` (the fingerprint and the check: `museumvqa.images.fingerprint`), in two stages:
1. Candidates: the train/val images' visual words go into an inverted index (`WordIndex`); a test image's
   candidates are the `CANDIDATES` non-test images sharing the most of its words, each word weighted by
   its rarity (log (N+1)/df: a word found in many images says little). This stage is the only one whose cost
   grows with the collection, and no pair of images is compared in it; a later index for millions of
   images replaces `WordIndex` behind the same `add`/`candidates`.
2. Verification: `matches(test, candidate)`, the keypoint matches that agree on one plausible camera
   mapping; `min_matches` or more makes the pair a leak. Candidates are verified best first until
   `MISSES` in a row fail, so a test image with no copy costs `MISSES` verifications.

Threshold `DEFAULT_MIN_MATCHES = 20`, from benchmarks/leaks/bench_leaks.py on the 174 Met paintings of the
built-in sample (BENCHMARKS.md, "Near-duplicate leaks that survive re-photography"). Verifying all 30,102
ordered pairs of different paintings, the check never found more than 13 agreeing matches (shards of 384,
224 or 64 px); copies of a painting (crop, rotation, perspective, lighting, border, colour shift,
re-encode) kept a median of 180-460 and at least 26 at 384 px (crops are the weakest: the worst kept 14
at 224 px, 8 at 64 px). 20 is half again above the worst different pair, so no pair of different
paintings comes near it, and recall over the seven kinds is 100% at 384 px, 99.9% at 224 px and 99.3%
at 64 px (every kind >= 95%).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from museumvqa.images.fingerprint import Fingerprint, matches, visual_words

METHOD = "orb-ransac"
DEFAULT_MIN_MATCHES = 20
CANDIDATES = 10  # at most, per test image: room for several views of one painting
MISSES = 3  # candidates in a row that fail verification end a test image's search


class WordIndex:
    """Inverted index of the non-test images: each visual word, with the images holding it.

    Kept as one array of (word, image) sorted by word, so a query is a binary search per word and a
    weighted count, all in numpy.
    """

    def __init__(self) -> None:
        self._keys: list[str] = []
        self._parts: list[np.ndarray] = []
        self._words = np.zeros(0, np.int64)
        self._images = np.zeros(0, np.int64)

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: str, words: np.ndarray) -> None:
        """Index one image by its distinct words."""
        self._parts.append(np.stack([words, np.full(len(words), len(self._keys), np.int64)]))
        self._keys.append(key)

    def _sorted(self) -> tuple[np.ndarray, np.ndarray]:
        if self._parts:
            pairs = np.concatenate([np.stack([self._words, self._images]), *self._parts], axis=1)
            order = np.argsort(pairs[0], kind="stable")
            self._words, self._images = pairs[0][order], pairs[1][order]
            self._parts = []
        return self._words, self._images

    def candidates(self, words: np.ndarray, limit: int = CANDIDATES) -> list[tuple[str, float]]:
        """The `limit` images sharing the most rarity-weighted words with `words`, best first (key breaks ties)."""
        indexed, images = self._sorted()
        total = len(self._keys)
        starts, ends = np.searchsorted(indexed, words, "left"), np.searchsorted(indexed, words, "right")
        held = ends - starts
        starts, held = starts[held > 0], held[held > 0]
        weights = np.log((total + 1) / held)  # smoothed: a word every image holds still counts a little
        first = np.cumsum(held) - held
        rows = np.repeat(starts - first, held) + np.arange(int(held.sum()))
        scores = np.bincount(images[rows], np.repeat(weights, held), minlength=total)
        ranked = sorted((i for i in np.flatnonzero(scores).tolist()), key=lambda i: (-scores[i], self._keys[i]))
        return [(self._keys[i], float(scores[i])) for i in ranked[:limit]]


def find_leaks(
    fingerprints: Mapping[str, Fingerprint],
    split_of: Mapping[str, str],
    min_matches: int = DEFAULT_MIN_MATCHES,
    candidates: int = CANDIDATES,
) -> list[tuple[str, str, int]]:
    """(test key, train/val key, matches) for each test image and each of its candidates with `min_matches`
    or more, sorted.

    `fingerprints` maps image key -> fingerprint; `split_of` maps image key -> split. A test image's
    candidates are verified best first, until `MISSES` in a row fail: copies of one object rank together
    at the top, and most test images have none, so most stop after `MISSES` checks.
    """
    index = WordIndex()
    for key in sorted(k for k in fingerprints if split_of[k] != "test"):
        index.add(key, visual_words(fingerprints[key]))
    leaks = []
    for key in sorted(k for k in fingerprints if split_of[k] == "test"):
        found, misses = [], 0
        for other, _ in index.candidates(visual_words(fingerprints[key]), candidates):
            score = matches(fingerprints[key], fingerprints[other], at_least=min_matches)
            if score >= min_matches:
                found.append((key, other, score))
                misses = 0
            else:
                misses += 1
                if misses == MISSES:
                    break
        leaks += sorted(found)
    return leaks


@dataclass(frozen=True)
class Leaks:
    """The leaks of one split: pairs (test key, train/val key, matches) and each image key's split and exhibit."""

    pairs: list[tuple[str, str, int]]
    key_split: dict[str, str]
    key_exhibit: dict[str, str]

    @property
    def exhibits(self) -> set[str]:
        """The test exhibits removed from every task set."""
        return {self.key_exhibit[test_key] for test_key, _, _ in self.pairs}
