"""Where an ingest record's CPU time goes, stage by stage (us per record, best of --rounds), for one generated input.

Stages are measured by difference while records stream, as in ingest: read (parse + RawRecord), map
(`to_exhibit`), Arrow (exhibits to columns, 250 at a time), the input's sha256, and the rest of
`ingest()` (duplicate ids, people, Parquet writing, the loop). Run it with PYTHONPATH pointing at the
`src/` to measure, e.g. a baseline checkout's, so two versions can be compared on the same input:
    PYTHONPATH=src python benchmarks/catalog/stages.py tate 10000
    PYTHONPATH=/tmp/catalog_head/src python benchmarks/catalog/stages.py tate 10000
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas  # noqa: F401  pyarrow imports it on first use; loaded here so no stage pays for it
import pyarrow.parquet  # noqa: F401
from generate import FORMATS, generate

from museumvqa.catalog.adapters import make_adapter
from museumvqa.catalog.ingest import _collect_less, ingest, input_digest
from museumvqa.catalog.schema import exhibits_to_table

BATCH = 250


def measure(fmt: str, path: Path, out: Path) -> dict[str, float]:
    """Seconds for reading, reading+mapping, +Arrow, the digest and the whole ingest of `path`."""
    adapter = make_adapter(fmt, mapping=path.parent / "mapping.yaml" if fmt == "mapping" else None)
    with _collect_less():
        start = time.process_time()
        for _ in adapter.read(path):
            pass
        read = time.process_time()
        for record in adapter.read(path):
            adapter.to_exhibit(record)
        mapped = time.process_time()
        batch = []
        for record in adapter.read(path):
            batch.append(adapter.to_exhibit(record))
            if len(batch) == BATCH:
                exhibits_to_table(batch)
                batch = []
        arrow = time.process_time()
        input_digest(path)
        digest = time.process_time()
    ingest([path], out, adapter, progress=False)
    whole = time.process_time()
    return {
        "read": read - start,
        "map": (mapped - read) - (read - start),
        "arrow": (arrow - mapped) - (mapped - read),
        "digest": digest - arrow,
        "rest": (whole - digest) - (arrow - mapped) - (digest - arrow),
        "ingest": whole - digest,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    # Not "mapping": its reader checks at the end that every mapped path matched a record while
    # mapping, so it cannot be read on its own.
    parser.add_argument("format", choices=[name for name in FORMATS if name != "mapping"])
    parser.add_argument("records", type=int)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/museumvqa-catalog-stages"))
    args = parser.parse_args()
    path = generate(args.format, args.records, args.work / f"{args.format}-{args.records}")
    runs = [measure(args.format, path, args.work / "out") for _ in range(args.rounds)]
    best = {stage: min(run[stage] for run in runs) * 1e6 / args.records for stage in runs[0]}
    print(
        f"{args.format}: " + ", ".join(f"{stage} {us:.1f}" for stage, us in best.items()) + " us/record"
        f" (ingest {1e6 / best['ingest']:,.0f} records per CPU-second)"
    )


if __name__ == "__main__":
    main()
