"""Approximate nearest image for the retrieval baseline once the index is large: an inverted file (IVF).

An exact scan costs one pass over every indexed feature per distinct asked image (18 ms at 100k images,
~180 ms at 1M on one core): at the paper's scale the scan, not the answering, is the evaluation. Here a
seeded spherical k-means groups the features into 2 sqrt(N) lists once; a question scores the list
centres, then only the rows of its `probes` best lists (float32, each list's rows stored together).

Why this and not FAISS or hnswlib (hnswlib not measured: the same graph as FAISS's HNSW). Measured
(BENCHMARKS.md, "Approximate search for the retrieval baseline", one core, 100k synthetic features):
FAISS's IVF with the same lists and probes searched in ~310 us (build 5.6 s) and its HNSW in ~275 us
(build 24 s), this numpy IVF in 510-710 us (build 2.6 s), recall@1 0.995-1.0 for all three. FAISS is
~2x faster per search, but that is ~0.4 ms per distinct image against ~600 us per question for the rest
of `predict`; numpy needs no compiled dependency, is deterministic by construction (seeded k-means on a
seeded sample, stable sorts, ties to the lowest row) and keeps only a float32 copy of the features (an
HNSW graph adds its links on top).

Results are approximate: the nearest row of the probed lists, which is the exact nearest when that row
lies in one of them (recall@1 measured in the benchmark and bounded in tests/evaluation/test_ann.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

EXACT_SEARCH_BELOW = 50_000  # indexed images; below it the retrieval baseline scans them all (exact)
PROBES = 16  # lists searched per question: recall@1 0.98 at 1M images (BENCHMARKS.md)
KMEANS_ITERATIONS = 10
TRAINING_ROWS_PER_LIST = 32  # k-means sees a seeded sample of this many rows per list, not all of them
ASSIGN_ROWS = 16_384  # rows assigned to lists at a time: bounds the scores matrix, not the features


class InvertedFileIndex:
    """Rows of `features` grouped by their nearest k-means centre, each list's features stored together
    (float32: half the memory of the exact scan's float64 matrix, which the caller can then drop);
    `nearest` scores the best lists only."""

    def __init__(self, features: np.ndarray, lists: int | None = None, probes: int = PROBES, seed: int = 0) -> None:
        self.lists = max(1, min(len(features), lists or round(2 * np.sqrt(len(features)))))
        self.probes = probes
        self.seed = seed
        self.size = len(features)
        self.centres = _spherical_kmeans(features, self.lists, seed) if len(features) else np.zeros((0, 0))
        assigned = _assign(features, self.centres) if len(features) else np.zeros(0, dtype=np.int64)
        self._rows = np.argsort(assigned, kind="stable")  # each list's rows, in row order
        self._starts = np.searchsorted(assigned[self._rows], np.arange(self.lists + 1))
        self._features = features[self._rows].astype(np.float32)

    def describe(self) -> dict[str, Any]:
        """What a predictions file records of the search that made it."""
        return {
            "kind": "approximate: inverted file, rows of the best lists scored exactly (float32)",
            "indexed": self.size,
            "lists": self.lists,
            "probes": self.probes,
            "kmeans_seed": self.seed,
            "kmeans_iterations": KMEANS_ITERATIONS,
        }

    def nearest(self, feature: np.ndarray, exclude: int | None = None) -> tuple[int, float] | None:
        """(row, cosine) of the most similar row of the probed lists other than `exclude` (lowest row on ties),
        as `similarity.nearest` answers for the whole index; more lists are probed when those hold nothing
        but `exclude`. (0, -inf) for a one-row index that is excluded, None for an empty one."""
        if not self.size:
            return None
        query = feature.astype(np.float32)
        order = np.argsort(-(self.centres @ query), kind="stable")
        probed = min(self.probes, self.lists)
        while True:
            spans = [(self._starts[i], self._starts[i + 1]) for i in order[:probed]]
            rows = np.concatenate([self._rows[start:end] for start, end in spans])
            if probed == self.lists or (rows != exclude).any():
                break
            probed += 1  # the probed lists hold only the excluded row
        # each list's rows are contiguous: one product per list reads them in place, no gathered copy
        similarity = np.concatenate([self._features[start:end] @ query for start, end in spans]) / 2
        similarity[rows == exclude] = -np.inf
        best = similarity.max()
        return int(rows[similarity == best].min()), float(best)


def _spherical_kmeans(features: np.ndarray, lists: int, seed: int) -> np.ndarray:
    """`lists` unit centres (float32) by Lloyd's iterations on a seeded sample; a centre that loses all its
    rows keeps its place."""
    rng = np.random.default_rng(seed)
    sample_size = min(len(features), lists * TRAINING_ROWS_PER_LIST)
    sample = features[np.sort(rng.choice(len(features), sample_size, replace=False))].astype(np.float32)
    centres = sample[np.sort(rng.choice(sample_size, lists, replace=False))].copy()
    for _ in range(KMEANS_ITERATIONS):
        assigned = _assign(sample, centres)
        sums = np.zeros_like(centres)
        np.add.at(sums, assigned, sample)  # numpy >= 2 does this without a Python loop
        norms = np.linalg.norm(sums, axis=1)
        filled = norms > 0
        centres[filled] = sums[filled] / norms[filled, None]
    return centres


def _assign(features: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Each row's most similar centre (lowest on ties), a block of rows at a time."""
    return np.concatenate(
        [
            np.argmax(features[start : start + ASSIGN_ROWS].astype(np.float32) @ centres.T, axis=1)
            for start in range(0, len(features), ASSIGN_ROWS)
        ]
    )
