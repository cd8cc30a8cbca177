"""Inverted index of images by their visual words (`fingerprint.visual_words`): which indexed images share
the most rare words with a query. The candidate stage in front of the geometric check (`fingerprint.matches`)
for the leak check (tasks/leaks.py) and serving's exhibit recognition (images/recognition.py): it is the only
stage whose cost grows with the collection, and it compares no pair of images. A later index for millions
of images replaces `WordIndex` behind the same `add`/`candidates`.
"""

from __future__ import annotations

import numpy as np

CANDIDATES = 10  # at most, per query: room for several views of one object


class WordIndex:
    """Each visual word, with the images holding it.

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
        """The `limit` images sharing the most words with `words`, each word weighted by its rarity
        (log (N+1)/df: a word found in many images says little), best first (key breaks ties)."""
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
