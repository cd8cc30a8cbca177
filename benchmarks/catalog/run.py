"""Ingest throughput (records per CPU-second = per core) and peak memory per format and collection size.

Each measurement runs in its own child process (measure_one.py) so peak RSS is its own. With
`--baseline-src` (the `src/` of a checkout of the commit to compare, e.g. made with
`git worktree add /tmp/catalog_base HEAD`), that code ingests the same generated input in the same
run, alternating with the working tree's. Usage:
    python benchmarks/catalog/run.py --sizes 10000 100000 --formats met-api met-csv tate lido mapping \\
        --baseline-src /tmp/catalog_base/src
Results are appended as JSON lines to --results and printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from generate import FORMATS, generate

HERE = Path(__file__).resolve().parent
SRC = HERE.parents[1] / "src"


def measure(fmt: str, path: Path, out: Path, src: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src)}
    cmd = [sys.executable, str(HERE / "measure_one.py"), fmt, str(path), str(out)]
    result = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    shutil.rmtree(out, ignore_errors=True)
    row = json.loads(result.stdout.strip().splitlines()[-1])
    row.update(
        input_mb=round(path.stat().st_size / 1e6, 1),
        per_cpu_s=round(row["records"] / row["cpu_s"]),
        per_wall_s=round(row["records"] / row["wall_s"]),
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--formats", nargs="+", default=list(FORMATS))
    parser.add_argument("--src", type=Path, default=SRC, help="src/ folder of the code under test (the working tree)")
    parser.add_argument("--baseline-src", type=Path, help="src/ folder of the code to compare against")
    parser.add_argument("--baseline-up-to", type=int, default=10**9, help="largest size the baseline also runs")
    parser.add_argument("--work", type=Path, default=Path("/tmp/museumvqa-catalog-bench"))
    parser.add_argument("--results", type=Path, default=Path("/tmp/museumvqa-catalog-bench/results.jsonl"))
    args = parser.parse_args()
    args.results.parent.mkdir(parents=True, exist_ok=True)
    print("| format | code | records | input MB | records/s per core (CPU) | records/s (wall) | peak RSS MB |")
    print("|---|---|---|---|---|---|---|")
    for size in args.sizes:
        for fmt in args.formats:
            folder = args.work / f"{fmt}-{size}"
            path = generate(fmt, size, folder)
            runs = [("after", args.src)]
            if args.baseline_src and size <= args.baseline_up_to:
                runs = [("before", args.baseline_src), ("after", args.src)]  # same input, alternating
            for code, src in runs:
                row = measure(fmt, path, args.work / f"out-{fmt}-{size}", src)
                row.update(format=fmt, code=code, size=size)
                with args.results.open("a") as f:
                    f.write(json.dumps(row) + "\n")
                print(
                    f"| {fmt} | {code} | {size} | {row['input_mb']} | {row['per_cpu_s']} | {row['per_wall_s']} "
                    f"| {row['peak_rss_mb']:.0f} |",
                    flush=True,
                )
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
