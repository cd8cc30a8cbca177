"""Time per question and peak memory of evaluation at 10k / 100k test questions, old vs new code:
`baseline:retrieval` predictions (`predict`) and their scoring (`score_file`), each in its own child
process with the `src` under test first on the path; peak RSS is the child's `ru_maxrss`.

Inputs are synthetic and written by this script (no network, no model): `--train-images` training
exhibits, each one 256x256 JPEG (a seeded 8x8 colour grid, upsampled) and five QA rows; test exhibits
asked `--questions-per-image` questions each (five categories x two languages), their photographs the
training grids with noise, so the search finds something. Test rows are in question_id order, an image's
questions together, as the task build writes them. Shards are tar files beside an index.parquet, as
`museumvqa shards` writes them (only the columns the readers use).

Old and new predictions files and scores.json must be byte-identical (`--compare`, on by default).

    .venv/bin/python benchmarks/evaluation/bench_eval_scale.py --sizes 10000 100000 \
        --old-src /tmp/eval_base/src
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
CATEGORIES = ("title", "medium", "date", "creator", "department")
LANGUAGES = ("en", "fr")

CHILD = """
import json, resource, sys, time
stage, run, out, options = sys.argv[1:5]
if stage == "predict":
    import torch  # predict imports it: a fixed cost, kept out of the timings
    from museumvqa.evaluation.predict import predict
    from museumvqa.evaluation.retrieval import RetrievalBaseline
else:
    from museumvqa.evaluation.score import score_file, scores_to_json
    from museumvqa.io import write_json
start, cpu, index_s = time.perf_counter(), time.process_time(), 0.0
if stage == "predict":
    answerer = RetrievalBaseline(run + "/benchmarks/train.parquet", run + "/shards")
    index_s = time.perf_counter() - start
    predict([run + "/benchmarks/general.parquet"], run + "/shards", answerer, out + "/predictions.jsonl",
            batch_size=16, progress=False)
else:
    bootstrap = json.loads(options)["bootstrap"]
    write_json(scores_to_json(score_file(out + "/predictions.jsonl", bootstrap=bootstrap)), out + "/scores.json")
print(json.dumps({"wall_s": time.perf_counter() - start, "cpu_s": time.process_time() - cpu, "index_s": index_s,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _grid(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(8, 8, 3), dtype=np.uint8)


def _jpeg(pixels: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).resize((256, 256), Image.Resampling.BILINEAR).save(out, "JPEG", quality=85)
    return out.getvalue()


def _rows(exhibit: str, image_key: str, task: str | None) -> list[dict]:
    return [
        {
            "question_id": f"{exhibit}-{category}-{language}",
            "exhibit_id": exhibit,
            **({"task": task} if task else {}),
            "category": category,
            "language": language,
            "question": f"{category}? ({language})",
            "answers": [
                f"{category} of {exhibit}" if category != "department" else f"department {int(exhibit[1:]) % 7}"
            ],
            "image_key": image_key,
            "view": "main",
            "museum": "synthetic",
            "continent": "Europe",
        }
        for category in CATEGORIES
        for language in LANGUAGES
    ]


def build_run(run: Path, train_images: int, test_images: int, per_image: int) -> None:
    """shards/ and benchmarks/{train,general}.parquet under `run` (kept: a later size reuses nothing)."""
    if (run / "benchmarks" / "general.parquet").is_file():
        return
    (run / "shards").mkdir(parents=True)
    (run / "benchmarks").mkdir(parents=True)
    index, train, test = [], [], []
    noise = np.random.default_rng(1)
    samples = [(f"T{i:06d}", _grid(i)) for i in range(train_images)]
    for j in range(test_images):
        grid = _grid(j % train_images).astype(int) + noise.integers(-40, 41, size=(8, 8, 3))
        samples.append((f"X{j:06d}", np.clip(grid, 0, 255).astype(np.uint8)))
    for start in range(0, len(samples), 1000):
        shard = f"shard-{start // 1000:06d}.tar"
        with tarfile.open(run / "shards" / shard, "w") as tar:
            for exhibit, pixels in samples[start : start + 1000]:
                key = f"{exhibit}_0"
                meta = json.dumps({"exhibit_id": exhibit, "role": "main", "view": "main"}).encode()
                for name, data in ((f"{key}.jpg", _jpeg(pixels)), (f"{key}.json", meta)):
                    info = tarfile.TarInfo(name)
                    info.size = len(data)
                    tar.addfile(info, io.BytesIO(data))
                index.append({"key": key, "shard": shard})
                rows = _rows(exhibit, key, None if exhibit.startswith("T") else "general")
                (train if exhibit.startswith("T") else test).extend(rows[: per_image if exhibit.startswith("X") else 5])
    pq.write_table(pa.Table.from_pylist(index), run / "shards" / "index.parquet")
    pq.write_table(pa.Table.from_pylist(train), run / "benchmarks" / "train.parquet")
    pq.write_table(
        pa.Table.from_pylist(sorted(test, key=lambda r: r["question_id"])), run / "benchmarks" / "general.parquet"
    )


def child(src: Path, stage: str, run: Path, out: Path, options: dict) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, stage, str(run), str(out), json.dumps(options)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"{stage} with {src} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000], help="test questions")
    parser.add_argument("--train-images", type=int, default=2000)
    parser.add_argument("--questions-per-image", type=int, default=10)
    parser.add_argument("--bootstrap", type=int, default=200)
    parser.add_argument("--old-src", type=Path, help="a copy of the old src/ to measure first")
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench_eval_scale"))
    parser.add_argument("--no-compare", action="store_true")
    args = parser.parse_args()
    codes = ([("old", args.old_src)] if args.old_src else []) + [("new", ROOT / "src")]
    options, results = {"bootstrap": args.bootstrap}, []
    for size in args.sizes:
        run = args.work / f"q{size}"
        build_run(run, args.train_images, -(-size // args.questions_per_image), args.questions_per_image)
        for code, src in codes:
            out = run / code
            out.mkdir(exist_ok=True)
            (out / "predictions.jsonl").unlink(missing_ok=True)
            for stage in ("predict", "score"):
                row = {"size": size, "code": code, "stage": stage, **child(src, stage, run, out, options)}
                row["us_per_question"] = 1e6 * (row["wall_s"] - row["index_s"]) / size  # the index is built once
                results.append(row)
                print(json.dumps(row), flush=True)
        if args.old_src and not args.no_compare:
            for name in ("predictions.jsonl", "scores.json"):
                same = (run / "old" / name).read_bytes() == (run / "new" / name).read_bytes()
                print(json.dumps({"size": size, "identical": name, "same": same}), flush=True)
                if not same:
                    raise SystemExit(f"{name} differs between old and new at {size} questions")
    (args.work / "results.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
