"""Ingest one generated input in this process and print records, wall and CPU seconds, and peak RSS as JSON.

Run as a child of run.py so each measurement has its own peak memory. `--baseline` is the walking
skeleton's way: the whole JSON file parsed at once and rows built with `exhibit_to_row` (asdict).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from museumvqa.catalog import ingest as ingest_module
from museumvqa.catalog.adapters import RawRecord, make_adapter
from museumvqa.catalog.adapters.met_api import MetApiAdapter
from museumvqa.catalog.schema import exhibit_to_row


class WholeFileMetApi(MetApiAdapter):
    """The skeleton reader: json.loads of the whole file, then iterate."""

    def read(self, path: Path) -> Iterator[RawRecord]:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        for position, record in enumerate(data["objects"] if isinstance(data, dict) else data):
            yield RawRecord(str(path), position, record, record.get("accessionNumber"))


def main(fmt: str, path: Path, out: Path, baseline: bool) -> None:
    if baseline:
        adapter = WholeFileMetApi()
        ingest_module.exhibit_row = exhibit_to_row  # the skeleton's row builder
    else:
        adapter = make_adapter(fmt, mapping=path.parent / "mapping.yaml" if fmt == "mapping" else None)
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    stats = ingest_module.ingest([path], out, adapter, progress=False)
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
    main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), "--baseline" in sys.argv)
