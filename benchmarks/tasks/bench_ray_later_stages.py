"""Wall and CPU time of the later stages in one process, in 2 processes, and on a local Ray with 1 and 2
workers (issue 15, item 5), with the outputs of every way compared byte for byte to the in-process ones.

Stages and inputs (written by this script into --work; no network, no model):
- shards: the built-in 174-painting Met sample (ingested and asked questions as the demo does), every
  other exhibit and its questions copied `--copies` - 1 times under new ids, 224 px, `--views` generated
  views per painting, `--per-shard` source images per shard;
- benchmarks: `build_benchmarks` on those shards with the leak check (its fingerprinting, one piece per
  shard, is what runs in parallel; its time is reported on its own too). The copies are real
  near-duplicates across splits, so the check verifies (and removes) many;
- evaluate: `baseline:retrieval` predictions (`predict`, batch 16) on the synthetic run that
  benchmarks/evaluation/bench_eval_scale.py writes (`--train-images` indexed, `--questions` asked, 10
  per image), the answerer built in the driver and once more in each worker, as `evaluate` does.

Each measurement runs in a fresh child process; for Ray it first starts a local instance with `num_cpus`
= workers (timed apart as `ray_start_s`: a cluster user joins a running one), which the stage then joins.
CPU is the child's own plus that of every process under it (pool workers, Ray's raylet, GCS and
workers), sampled every 0.2 s, so the last 0.2 s of a process that ends during the run may be missed.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/tasks/bench_ray_later_stages.py
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from child import CPU_SAMPLER, files_of, run_child  # noqa: E402

WAYS = {"in-process": {}, "processes-2": {"workers": 2}, "ray-1": {"ray": True}, "ray-2": {"ray": True, "workers": 2}}

CHILD = r"""
import json, sys, threading, time
import psutil

stage, work, out, way = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
args = json.loads(sys.argv[5])
""" + CPU_SAMPLER + r"""

import torch  # imported by predict; a fixed cost kept out of the timings
from functools import partial
from pathlib import Path
from museumvqa.images.shards import build_shards
from museumvqa.settings import ShardsConfig
import museumvqa.tasks.build as build_module
from museumvqa.evaluation.answerers import make_answerer
from museumvqa.evaluation.predict import predict
from museumvqa.evaluation.slices import Slices

fingerprint_s = []
inner = build_module.image_fingerprints
def timed(*a, **k):
    start = time.perf_counter()
    try:
        return inner(*a, **k)
    finally:
        fingerprint_s.append(time.perf_counter() - start)
build_module.image_fingerprints = timed

threading.Thread(target=sample, daemon=True).start()
ray_start = time.perf_counter()
if way.get("ray"):
    import ray
    ray.init(num_cpus=way.get("workers", 1), include_dashboard=False, log_to_driver=False)
ray_start = time.perf_counter() - ray_start
time.sleep(0.5)  # one sample of Ray's processes after their start, so that start is not counted below
base = sum(seen.values())
wall, cpu = time.perf_counter(), time.process_time()
work, out = Path(work), Path(out)
if stage == "shards":
    config = ShardsConfig(image_size=224, per_shard=args["per_shard"], generated_views=args["views"], **way)
    build_shards(work / "copies" / "exhibits", out, config, progress=False)
elif stage == "benchmarks":
    copies = work / "copies"
    build_module.build_benchmarks(copies / "qa.parquet", work / "shards" / "in-process" / "index.parquet",
                                  out, exhibits=copies / "exhibits", **way)
else:
    run = work / "eval"
    build = partial(make_answerer, "baseline:retrieval", run / "benchmarks", run / "shards")
    workers = way.get("workers", 1)
    slices = Slices(build, workers, way.get("ray", False)) if way else None
    predict([run / "benchmarks" / "general.parquet"], run / "shards", build(), out / "predictions.jsonl", 16, False,
            slices=slices)
wall, own = time.perf_counter() - wall, time.process_time() - cpu
time.sleep(0.3)  # a last sample of the processes still there
stop.set()
row = {"wall_s": wall, "cpu_s": own + sum(seen.values()) - base, "fingerprint_s": sum(fingerprint_s) or None}
print(json.dumps({**row, "ray_start_s": ray_start if way.get("ray") else None}))
"""


def setup(work: Path, copies: int, train_images: int, questions: int) -> None:
    """The demo's exhibits and questions of the Met sample, `copies` times over, and the synthetic
    evaluation run."""
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT / "benchmarks" / "evaluation"))
    from bench_eval_scale import build_run

    from museumvqa.layout import RunLayout
    from museumvqa.pipeline import demo_stages
    from museumvqa.settings import DemoConfig

    demo = RunLayout(work / "demo")
    if not demo.qa.is_file():
        demo.root.mkdir(parents=True, exist_ok=True)
        for stage in demo_stages(demo, DemoConfig(), progress=False):
            if stage.name in ("ingest", "questions"):
                stage.work()
    _copy(pq.read_table(demo.exhibits), copies, ["exhibit_id"], work / "copies" / "exhibits" / "part-00000.parquet")
    _copy(pq.read_table(demo.qa), copies, ["exhibit_id", "question_id"], work / "copies" / "qa.parquet")
    build_run(work / "eval", train_images, -(-questions // 10), 10)


def _copy(table: pa.Table, copies: int, ids: list[str], path: Path) -> None:
    """`table`, then `copies` - 1 copies of every other exhibit's rows, copy n with "-copy<n>" after each id
    (the exhibits not copied keep the test split from being all leaks)."""
    exhibits = sorted(set(table["exhibit_id"].to_pylist()))[::2]
    copied = table.filter(pc.is_in(table["exhibit_id"], value_set=pa.array(exhibits, pa.string())))
    parts = [table]
    for n in range(1, copies):
        part = copied
        for name in ids:
            renamed = pc.binary_join_element_wise(part[name], f"-copy{n}", "")
            part = part.set_column(part.column_names.index(name), name, renamed)
        parts.append(part)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.concat_tables(parts), path)


def measure(stage: str, work: Path, out: Path, way: dict, args: dict) -> dict:
    return run_child(CHILD, [stage, str(work), str(out), json.dumps(way), json.dumps(args)], ROOT / "src")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench_ray_later_stages"))
    parser.add_argument("--copies", type=int, default=6, help="copies of every other sample exhibit")
    parser.add_argument("--views", type=int, default=4, help="generated views per painting")
    parser.add_argument("--per-shard", type=int, default=20, help="source images per shard")
    parser.add_argument("--train-images", type=int, default=2000, help="evaluate: images in the retrieval index")
    parser.add_argument("--questions", type=int, default=20_000, help="evaluate: test questions")
    parser.add_argument("--stages", nargs="+", default=["shards", "benchmarks", "evaluate"])
    args = parser.parse_args()
    setup(args.work, args.copies, args.train_images, args.questions)
    options = {"views": args.views, "per_shard": args.per_shard}
    results = []
    for stage in args.stages:
        for name, way in WAYS.items():
            out = args.work / stage / name
            if out.exists():
                subprocess.run(["rm", "-rf", str(out)], check=True)
            out.mkdir(parents=True)
            row = {"stage": stage, "way": name, **measure(stage, args.work, out, way, options)}
            if name != "in-process":
                row["identical"] = files_of(out) == files_of(args.work / stage / "in-process")
            results.append(row)
            print(json.dumps(row), flush=True)
    (args.work / "results.json").write_text(json.dumps(results, indent=1))
    if not all(row.get("identical", True) for row in results):
        raise SystemExit("some outputs differ from the in-process ones")


if __name__ == "__main__":
    main()
