"""Which indexed image shows the same object as a photograph, and how sure: serving's exhibit recognition.

A visitor's photo is cropped, tilted, lit and encoded differently from the stored image, and it may show
something the collection does not hold at all. The score must therefore say "same object", not "looks
alike": it is the number of keypoint matches that agree on one plausible camera mapping
(`fingerprint.matches`, the leak check's test), which unrelated pictures seldom push above a dozen, while
a whole-image feature scores a blank photo 0.44 and a rotated crop of a catalogued painting only 0.60.

Search, in two stages as the leak check does: candidates are the images sharing the most rare visual words
with the photo (`WordIndex`) and the few nearest by the global feature (`similarity.image_feature`: a
small or soft stored image with few keypoints still gets checked), then each candidate is verified and the
one with the most inliers wins (the global cosine breaks ties). Whether the winner is good enough is the
caller's threshold (serving/open_set.py calibrates it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from museumvqa.images.fingerprint import Fingerprint, fingerprint, matches, visual_words
from museumvqa.images.similarity import image_feature
from museumvqa.images.word_index import CANDIDATES, WordIndex

GLOBAL_CANDIDATES = 3  # nearest by the global feature, verified besides the word candidates


@dataclass(frozen=True)
class Found:
    """The best verified indexed image: its key, agreeing keypoint matches, and the global cosine in [-1, 1]."""

    key: str
    inliers: int
    similarity: float


class ImageIndex:
    """Indexed images' fingerprints, visual words and global features, in the order they were added."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self._rows: dict[str, int] = {}
        self._fingerprints: list[Fingerprint] = []
        self._features: list[np.ndarray] = []
        self._stacked = np.zeros((0, 0))
        self._words = WordIndex()

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, key: str, image: Image.Image) -> None:
        """Index one image under a key not used before."""
        if key in self._rows:
            raise ValueError(f"image key {key!r} indexed twice")
        found = fingerprint(image)
        self._rows[key] = len(self.keys)
        self.keys.append(key)
        self._fingerprints.append(found)
        self._features.append(image_feature(image))
        self._words.add(key, visual_words(found))

    def best(self, image: Image.Image, exclude_key: str | None = None) -> Found | None:
        """The candidate with the most inliers (0 when none agrees; the cosine, then the key, break ties),
        `exclude_key` left out; None when the index holds no other image."""
        query, feature = fingerprint(image), image_feature(image)
        cosines = self._features_matrix() @ feature / 2 if self.keys else np.zeros(0)  # two unit-length halves
        rows = [row for row in self._candidates(query, cosines, exclude_key) if self.keys[row] != exclude_key]
        if not rows:
            return None
        scored = sorted((-matches(query, self._fingerprints[row]), -float(cosines[row]), self.keys[row]) for row in rows)
        inliers, cosine, key = scored[0]
        return Found(key, -inliers, -cosine)

    def _candidates(self, query: Fingerprint, cosines: np.ndarray, exclude_key: str | None) -> list[int]:
        """Rows of the word candidates, then of the nearest by the global feature, each once."""
        spare = 1 if exclude_key in self._rows else 0
        by_words = self._words.candidates(visual_words(query), CANDIDATES + spare)
        by_feature = np.argsort(-cosines, kind="stable")[: GLOBAL_CANDIDATES + spare].tolist()
        return list(dict.fromkeys([*(self._rows[key] for key, _ in by_words), *by_feature]))

    def _features_matrix(self) -> np.ndarray:
        if len(self._stacked) != len(self._features):
            self._stacked = np.stack(self._features) if self._features else np.zeros((0, 0))
        return self._stacked
