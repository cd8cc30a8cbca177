"""Wall and CPU time of `ingest` and `questions build` in one process, in 2 processes, and on a local Ray with
1 and 2 workers (issue 15, item 5), with every way's output folder compared byte for byte to the in-process one.

Inputs (written by this script into --work; no network): the real Tate sample repeated to N exhibits by
generate.py (fresh accession numbers), split into --files JSON-lines inputs of equal size (one ingest piece
each), read with the Tate adapter and the sample's artists.jsonl; ingest writes parts of min(10,000, N/8)
exhibits, so questions has 8-10 pieces (one per part) at every N. Questions: English, the defaults.

Each measurement runs in a fresh child process; a Ray way starts its own local Ray (`num_cpus` = workers) as
the CLI's `--ray` does, so its start and stop are in the wall time (the start alone is measured as
`ray-start`). CPU is the child's own plus every process under it (pool workers, Ray's raylet, GCS and
workers), sampled every 0.2 s; `driver_cpu_s` is the child's own, the part that stays serial.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/catalog/bench_ray_stages.py --sizes 10000 100000

`--base-src` adds an in-process run of another checkout's src/ (before this change) to check that the
in-process path kept its speed and output.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from generate import generate

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from child import CPU_SAMPLER, files_of, run_child  # noqa: E402

WAYS = {"in-process": {}, "processes-2": {"workers": 2}, "ray-1": {"ray": True}, "ray-2": {"ray": True, "workers": 2}}

CHILD = r"""
import json, sys, threading, time
from pathlib import Path
import psutil

stage, inputs, out, way = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), json.loads(sys.argv[4])
rows_per_part = int(sys.argv[5])
""" + CPU_SAMPLER + r"""

from museumvqa.catalog.adapters.tate import TateAdapter
from museumvqa.catalog.ingest import Source, ingest
from museumvqa.questions.generate import generate_questions
from museumvqa.ray_run import run_on_ray

threading.Thread(target=sample, daemon=True).start()
wall, cpu = time.perf_counter(), time.process_time()
if stage == "ray-start":
    list(run_on_ray(abs, [0], 1))
elif stage == "ingest":
    artists = TateAdapter(inputs / "artists.jsonl")
    sources = [Source(path, artists) for path in sorted(inputs.glob("artworks-*.jsonl"))]
    ingest(sources, out, rows_per_part=rows_per_part, progress=False, **way)
else:
    generate_questions(inputs, out, progress=False, **way)
wall, own = time.perf_counter() - wall, time.process_time() - cpu
stop.set()
print(json.dumps({"wall_s": wall, "cpu_s": own + sum(seen.values()), "driver_cpu_s": own}))
"""


def setup(work: Path, exhibits: int, files: int) -> Path:
    """`files` Tate JSON-lines inputs of `exhibits` records in all, beside the sample's artists.jsonl."""
    folder = work / f"input-{exhibits}"
    if not (folder / f"artworks-{files - 1:02d}.jsonl").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        lines = generate("tate", exhibits, folder).read_text(encoding="utf-8").splitlines(keepends=True)
        (folder / "artworks.jsonl").unlink()
        step = -(-len(lines) // files)
        for number, start in enumerate(range(0, len(lines), step)):
            (folder / f"artworks-{number:02d}.jsonl").write_text("".join(lines[start : start + step]), encoding="utf-8")
    return folder


def measure(stage: str, inputs: Path, out: Path, way: dict, rows_per_part: int, src: Path = ROOT / "src") -> dict:
    return run_child(CHILD, [stage, str(inputs), str(out), json.dumps(way), str(rows_per_part)], src)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench_ray_stages"))
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--files", type=int, default=8, help="ingest inputs (pieces) the records are split into")
    parser.add_argument("--stages", nargs="+", default=["ingest", "questions"], choices=["ingest", "questions"])
    parser.add_argument("--base-src", type=Path, help="also run in-process with this src/ (e.g. main's) as a baseline")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    results = [{"stage": "ray-start", "way": "ray-1", **measure("ray-start", args.work, args.work, {}, 0)}]
    print(json.dumps(results[0]), flush=True)
    for exhibits in args.sizes:
        inputs = setup(args.work, exhibits, args.files)
        rows_per_part = min(10_000, exhibits // 8)
        for stage in args.stages:
            stage_in = inputs if stage == "ingest" else args.work / f"ingest-{exhibits}" / "in-process" / "exhibits"
            ways = {**WAYS, **({"in-process-base": {}} if args.base_src else {})}
            for name, way in ways.items():
                out = args.work / f"{stage}-{exhibits}" / name
                shutil.rmtree(out, ignore_errors=True)
                src = args.base_src if name == "in-process-base" else ROOT / "src"
                timing = measure(stage, stage_in, out, way, rows_per_part, src)
                row = {"stage": stage, "exhibits": exhibits, "way": name, **timing}
                if name != "in-process":
                    row["identical"] = files_of(out) == files_of(out.parent / "in-process")
                results.append(row)
                print(json.dumps(row), flush=True)
    (args.work / "results.json").write_text(json.dumps(results, indent=1))
    if not all(row.get("identical", True) for row in results):
        raise SystemExit("some outputs differ from the in-process ones")


if __name__ == "__main__":
    main()
