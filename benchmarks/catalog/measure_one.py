"""Ingest one generated input in this process and print records, wall and CPU seconds, and peak RSS as JSON.

Run as a child of run.py so each measurement has its own peak memory; run.py points PYTHONPATH at
the code under test (the working tree, or a checkout of the baseline commit).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import pandas  # noqa: F401  pyarrow imports it on first use; loaded here so the clock sees no one-time import
import pyarrow.parquet  # noqa: F401

from museumvqa.catalog.adapters import make_adapter
from museumvqa.catalog.ingest import ingest


def main(fmt: str, path: Path, out: Path) -> None:
    adapter = make_adapter(fmt, mapping=path.parent / "mapping.yaml" if fmt == "mapping" else None)
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    stats = ingest([path], out, adapter, progress=False)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "records": stats.records,
                "exhibits": stats.exhibits,
                "wall_s": time.perf_counter() - start_wall,
                "cpu_s": time.process_time() - start_cpu,
                "peak_rss_mb": usage.ru_maxrss / 1024,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))
