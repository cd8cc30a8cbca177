"""Ingest throughput (records per CPU-second = per core) and peak memory per format and collection size.

Each measurement runs in its own child process (measure_one.py) so peak RSS is its own. The skeleton's
whole-file Met JSON reader is measured in the same run, alternating with the streaming one, as the
baseline. Usage:
    python benchmarks/catalog/run.py --sizes 10000 100000 --formats met-api met-csv tate lido mapping
Results are appended as JSON lines to --results and printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

from generate import FORMATS, generate

HERE = Path(__file__).resolve().parent


def measure(fmt: str, path: Path, out: Path, baseline: bool = False) -> dict:
    cmd = [sys.executable, str(HERE / "measure_one.py"), fmt, str(path), str(out)] + (
        ["--baseline"] if baseline else []
    )
    result = subprocess.run(cmd, capture_output=True, text=True, check=True)
    shutil.rmtree(out, ignore_errors=True)
    row = json.loads(result.stdout.strip().splitlines()[-1])
    row.update(
        format=f"{fmt} (skeleton baseline)" if baseline else fmt,
        input_mb=round(path.stat().st_size / 1e6, 1),
        per_cpu_s=round(row["records"] / row["cpu_s"]),
        per_wall_s=round(row["records"] / row["wall_s"]),
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--formats", nargs="+", default=list(FORMATS))
    parser.add_argument("--baseline-up-to", type=int, default=100_000, help="largest size for the whole-file baseline")
    parser.add_argument("--work", type=Path, default=Path("/tmp/museumvqa-catalog-bench"))
    parser.add_argument("--results", type=Path, default=Path("/tmp/museumvqa-catalog-bench/results.jsonl"))
    args = parser.parse_args()
    args.results.parent.mkdir(parents=True, exist_ok=True)
    print("| format | records | input MB | records/s per core (CPU) | records/s (wall) | peak RSS MB |")
    print("|---|---|---|---|---|---|")
    for size in args.sizes:
        for fmt in args.formats:
            folder = args.work / f"{fmt}-{size}"
            path = generate(fmt, size, folder)
            runs = [(fmt, False)]
            if fmt == "met-api" and size <= args.baseline_up_to:
                runs = [("met-api", True), ("met-api", False)]  # alternate baseline and candidate
            for name, baseline in runs:
                row = measure(name, path, args.work / "out", baseline)
                row["size"] = size
                with args.results.open("a") as f:
                    f.write(json.dumps(row) + "\n")
                print(
                    f"| {row['format']} | {size} | {row['input_mb']} | {row['per_cpu_s']} | {row['per_wall_s']} "
                    f"| {row['peak_rss_mb']:.0f} |",
                    flush=True,
                )
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
