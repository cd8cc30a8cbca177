"""The retrieval baseline's search at 10k / 100k / 1M indexed images: exact scan (`similarity.nearest`)
vs the inverted file (`evaluation/ann.py`), in one run: index build time, time per search, recall@1 of
the approximate search against the exact one, and the index's memory.

Features are synthetic but of real form (no network, no images on disk): `image_feature` of N/20 seeded
8x8 colour grids (as bench_eval_scale.py's photographs), each then drawn 20 times with Gaussian noise
(sigma 0.04 per value, both halves renormalised: cosine ~0.8 between two draws of one grid), so an image
has a few similar ones, as works of one series or one artist have. Two kinds of question, `--queries` each:
- "second photograph": an indexed feature plus noise (sigma 0.03), nothing excluded (baseline:retrieval
  asked about a known exhibit's other view);
- "itself excluded": an indexed feature, that row excluded (oracle:catalogue never answers the asked image),
  so the answer is its most similar other image, the hard case for an approximate search.

`--faiss` also times FAISS's IVF (same lists and probes) and HNSW (M 32, efSearch 64) on the same
questions, one thread, for the choice explained in ann.py; faiss-cpu is not a dependency of the project:
install it by hand for that row (`.venv/bin/pip install faiss-cpu`).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/evaluation/bench_ann.py --sizes 10000 100000 1000000
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from PIL import Image

from museumvqa.evaluation.ann import PROBES, InvertedFileIndex
from museumvqa.images.similarity import image_feature, nearest

DRAWS_PER_GRID = 20


def _halves(features: np.ndarray) -> np.ndarray:
    """Each half (colour histogram, grey thumbnail) back to unit length, as `image_feature` makes them."""
    for part in (slice(0, 64), slice(64, None)):
        features[:, part] /= np.linalg.norm(features[:, part], axis=1, keepdims=True)
    return features


def synthetic_features(size: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    grids = [
        image_feature(Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)))
        for _ in range(-(-size // DRAWS_PER_GRID))
    ]
    features = np.stack(grids)[np.arange(size) // DRAWS_PER_GRID]
    for start in range(0, size, 65_536):  # in blocks: the noise of 1M rows at once would double the memory
        block = features[start : start + 65_536]
        block += rng.normal(0, 0.04, block.shape)
        _halves(block)
    return features


def measure(size: int, queries: int, probes: list[int], with_faiss: bool) -> list[dict]:
    start = time.perf_counter()
    features = synthetic_features(size)
    made_s = time.perf_counter() - start
    rng = np.random.default_rng(1)
    asked = rng.choice(size, queries, replace=False)
    kinds = {
        "second photograph": (_halves(features[asked] + rng.normal(0, 0.03, (queries, features.shape[1]))), None),
        "itself excluded": (features[asked], asked),
    }
    exact, rows = {}, []
    for kind, (query, excluded) in kinds.items():
        start = time.perf_counter()
        exact[kind] = [nearest(features, q, None if excluded is None else int(excluded[i])) for i, q in enumerate(query)]
        search_us = 1e6 * (time.perf_counter() - start) / queries
        rows.append({"size": size, "search": "exact", "kind": kind, "build_s": 0.0, "search_us": search_us,
                     "recall_at_1": 1.0, "index_mb": features.nbytes / 2**20, "features_s": made_s})
    start = time.perf_counter()
    index = InvertedFileIndex(features)
    build_s = time.perf_counter() - start
    index_mb = (index._features.nbytes + index.centres.nbytes + index._rows.nbytes) / 2**20
    for index.probes in probes:
        for kind, (query, excluded) in kinds.items():
            start = time.perf_counter()
            found = [index.nearest(q, None if excluded is None else int(excluded[i])) for i, q in enumerate(query)]
            search_us = 1e6 * (time.perf_counter() - start) / queries
            recall = float(np.mean([hit[0] == best[0] for hit, best in zip(found, exact[kind])]))
            rows.append({"size": size, "search": f"ivf lists={index.lists} probes={index.probes}", "kind": kind,
                         "build_s": build_s, "search_us": search_us, "recall_at_1": recall, "index_mb": index_mb})
    if with_faiss:
        rows += measure_faiss(features, kinds, exact, index.lists, PROBES)
    return rows


def measure_faiss(features: np.ndarray, kinds: dict, exact: dict, lists: int, probes: int) -> list[dict]:
    """FAISS IVF and HNSW on the same questions; the excluded row is dropped from two answers."""
    import faiss

    faiss.omp_set_num_threads(1)
    vectors, rows = features.astype(np.float32), []
    ivf_start = time.perf_counter()
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(vectors.shape[1]), vectors.shape[1], lists, faiss.METRIC_INNER_PRODUCT)
    ivf.train(vectors)
    ivf.add(vectors)
    ivf.nprobe = probes
    ivf_s = time.perf_counter() - ivf_start
    hnsw_start = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(vectors.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
    hnsw.add(vectors)
    hnsw.hnsw.efSearch = 64
    hnsw_s = time.perf_counter() - hnsw_start
    for name, index, build_s in ((f"faiss ivf lists={lists} probes={probes}", ivf, ivf_s), ("faiss hnsw M=32 ef=64", hnsw, hnsw_s)):
        for kind, (query, excluded) in kinds.items():
            start = time.perf_counter()
            found = []
            for i, q in enumerate(query.astype(np.float32)):
                hits = [int(h) for h in index.search(q[None], 2)[1][0] if excluded is None or h != excluded[i]]
                found.append(hits[0])
            search_us = 1e6 * (time.perf_counter() - start) / len(query)
            recall = float(np.mean([hit == best[0] for hit, best in zip(found, exact[kind])]))
            rows.append({"size": len(features), "search": name, "kind": kind, "build_s": build_s,
                         "search_us": search_us, "recall_at_1": recall})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=200, help="questions of each kind")
    parser.add_argument("--probes", type=int, nargs="+", default=[4, 8, PROBES, 32])
    parser.add_argument("--faiss", action="store_true", help="also FAISS IVF and HNSW (faiss-cpu installed by hand)")
    args = parser.parse_args()
    for size in args.sizes:
        for row in measure(size, args.queries, args.probes, args.faiss):
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
