"""Near-duplicate images across splits: the same object photographed twice (cropped, tilted, framed, lit
or encoded otherwise), or one photograph and a crop of it, must not sit in train and test at once.

Method `orb-ransac` (the fingerprint and the check: `museumvqa.images.fingerprint`), in two stages:
1. Candidates: the train/val images' visual words go into an inverted index (`images.word_index.WordIndex`,
   shared with serving's exhibit recognition); a test image's candidates are the `CANDIDATES` non-test
   images sharing the most of its words, each word weighted by its rarity.
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

from museumvqa.images.fingerprint import Fingerprint, matches, visual_words
from museumvqa.images.word_index import CANDIDATES, WordIndex

METHOD = "orb-ransac"
DEFAULT_MIN_MATCHES = 20
MISSES = 3  # candidates in a row that fail verification end a test image's search


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
