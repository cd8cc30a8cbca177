"""Open-set exhibit recognition on real paintings: does `serve` recognise visitor photos of catalogued
paintings, and refuse everything else? Precision, recall and time per query of `serving/open_set.py`'s
calibration, at the calibrated threshold and at `serving/catalogue.py`'s default (`CALIBRATED`).

Data: the 174 Met paintings of the built-in sample, stored as the shard build stores them (long side
`--image-size`, JPEG quality 90). Half the paintings (drawn with `--seed`) are indexed. Queries, made
from the full-size originals (`open_set.calibrate`):
- positives: `--views` visitor photos per indexed painting (60-90% crop, turned up to 15 degrees,
  scaled 50-150%, brightness x0.7-1.3, JPEG quality 40-90);
- negatives: the other half's paintings as they are and `--views` visitor photos of each (real
  paintings, not in the index), and 24 synthetic pictures (noise, blank, solid colours, gradients, 1x1).

    .venv/bin/python benchmarks/serving/bench_open_set.py [--image-size 96,224] [--views 2] [--json out.json]
"""

from __future__ import annotations

import argparse
import io
import json
import time
from collections import defaultdict
from typing import Any

import numpy as np
from PIL import Image

from museumvqa.images.process import encode_jpeg, load_image, resize
from museumvqa.sample import met_sample_dir
from museumvqa.serving.catalogue import CALIBRATED
from museumvqa.serving.open_set import Scored, calibrate, measure

SWEEP = (8, 10, 12, 15, 20, 25, 30)


def stored(img: Image.Image, size: int) -> Image.Image:
    """`img` as a shard holds it: long side `size`, JPEG quality 90, decoded again."""
    return Image.open(io.BytesIO(encode_jpeg(resize(img.convert("RGB"), size), 90))).convert("RGB")


def by_kind(scored: list[Scored], threshold: int) -> list[dict[str, Any]]:
    """Per query kind: how many, inlier counts, and how many were accepted (right, or wrongly)."""
    groups: dict[str, list[Scored]] = defaultdict(list)
    for s in scored:
        groups[s.kind].append(s)
    rows = []
    for kind, group in groups.items():
        counts = np.array([s.inliers for s in group])
        accepted = [s for s in group if s.inliers >= threshold]
        rows.append({
            "kind": kind,
            "positive": group[0].positive,
            "queries": len(group),
            "inliers_min": int(counts.min()),
            "inliers_median": float(np.median(counts)),
            "inliers_max": int(counts.max()),
            "found": sum(s.positive and s.right for s in accepted),
            "wrongly_accepted": sum(not (s.positive and s.right) for s in accepted),
        })  # fmt: skip
    return rows


def run(size: int, views: int, seed: int, originals: dict[str, Image.Image]) -> dict[str, Any]:
    images = {key: (key, stored(img, size)) for key, img in originals.items()}
    began = time.perf_counter()
    result = calibrate(images, originals, seed=seed, views=views, measured_on=f"{len(images)} paintings, {size} px")
    seconds = time.perf_counter() - began
    scored = result.scored
    times = np.array([s.seconds for s in scored])
    return {
        "image_size": size,
        "chosen": vars(result.threshold),
        "default": dict(zip(("precision", "recall", "false_accepts"), measure(scored, CALIBRATED.min_inliers)),
                        min_inliers=CALIBRATED.min_inliers),
        "sweep": {t: dict(zip(("precision", "recall", "false_accepts"), measure(scored, t))) for t in SWEEP},
        "kinds": by_kind(scored, CALIBRATED.min_inliers),
        "queries": len(scored),
        "positives": sum(s.positive for s in scored),
        "negatives": sum(not s.positive for s in scored),
        "query_ms_median": round(1000 * float(np.median(times)), 1),
        "query_ms_p90": round(1000 * float(np.percentile(times, 90)), 1),
        "total_s": round(seconds, 1),
    }  # fmt: skip


def report(out: dict[str, Any]) -> None:
    c, d = out["chosen"], out["default"]
    print(f"\n## {out['image_size']} px shards: {out['positives']} visitor photos, {out['negatives']} negatives")
    print(f"calibrated: min_inliers {c['min_inliers']}  precision {c['precision']:.3f}  recall {c['recall']:.3f}"
          f"  false accepts {c['false_accepts']:.3f}")  # fmt: skip
    print(f"default {d['min_inliers']}: precision {d['precision']:.3f}  recall {d['recall']:.3f}"
          f"  false accepts {d['false_accepts']:.3f}")  # fmt: skip
    print("threshold  precision  recall  false accepts")
    for t, m in out["sweep"].items():
        print(f"{t:9}  {m['precision']:9.3f}  {m['recall']:6.3f}  {m['false_accepts']:13.3f}")
    print(f"{'kind':34} {'n':>4} {'min':>4} {'median':>6} {'max':>4} {'found':>5} {'wrong':>5}  (at {d['min_inliers']})")
    for k in out["kinds"]:
        print(f"{k['kind']:34} {k['queries']:4} {k['inliers_min']:4} {k['inliers_median']:6.0f} {k['inliers_max']:4}"
              f" {k['found']:5} {k['wrongly_accepted']:5}")  # fmt: skip
    print(f"time per query: median {out['query_ms_median']} ms, p90 {out['query_ms_p90']} ms; all: {out['total_s']} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image-size", default="96,224", help="shard long sides, comma-separated")
    parser.add_argument("--views", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="write the numbers here too")
    args = parser.parse_args()
    folder = met_sample_dir()
    records = json.loads((folder / "objects.json").read_text())["objects"]
    originals = {str(r["objectID"]): load_image(folder / f"{r['objectID']}.jpg") for r in records}
    results = [run(int(size), args.views, args.seed, originals) for size in args.image_size.split(",")]
    for out in results:
        report(out)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
