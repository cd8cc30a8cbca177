"""Run an adapter over input files: exhibits and rejects to Parquet, every input record accounted for."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from museumvqa import __version__
from museumvqa.catalog.adapters import Adapter, RecordRejected
from museumvqa.catalog.schema import EXHIBIT_SCHEMA, REJECT_SCHEMA, exhibit_to_row
from museumvqa.errors import UserError
from museumvqa.io import write_json

MANIFEST = "catalog_manifest.json"


@dataclass
class IngestStats:
    inputs: list[dict[str, str]] = field(default_factory=list)
    records: int = 0
    exhibits: int = 0
    rejects: int = 0

    def check(self) -> None:
        """exhibits + rejects == input records, or the build is wrong."""
        if self.exhibits + self.rejects != self.records:
            raise AssertionError(f"ingest lost records: {self.exhibits} + {self.rejects} != {self.records}")


class _PartWriter:
    """Streams rows into numbered Parquet part files so memory stays flat."""

    def __init__(self, folder: Path, schema: pa.Schema, rows_per_part: int) -> None:
        self.folder, self.schema, self.rows_per_part = folder, schema, rows_per_part
        self.buffer: list[dict] = []
        self.parts = 0
        folder.mkdir(parents=True, exist_ok=True)

    def add(self, row: dict) -> None:
        self.buffer.append(row)
        if len(self.buffer) >= self.rows_per_part:
            self.flush()

    def flush(self) -> None:
        if not self.buffer and self.parts:
            return
        table = pa.Table.from_pylist(self.buffer, schema=self.schema)
        pq.write_table(table, self.folder / f"part-{self.parts:05d}.parquet")
        self.parts += 1
        self.buffer = []


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def ingest(
    inputs: Iterable[str | Path],
    out_dir: str | Path,
    adapter: Adapter,
    rows_per_part: int = 50_000,
    progress: bool = True,
) -> IngestStats:
    """Map every record of `inputs` to `out_dir/exhibits/` or `out_dir/rejects/` (with its reason).

    Output folders are built beside the final ones and swapped in at the end, so a killed run
    leaves the previous result intact. Duplicate ids: the first record wins, later ones are rejected.
    """
    out = Path(out_dir)
    stats = IngestStats()
    tmp_exhibits, tmp_rejects = out / ".exhibits.tmp", out / ".rejects.tmp"
    for folder in (tmp_exhibits, tmp_rejects):
        shutil.rmtree(folder, ignore_errors=True)
    exhibits = _PartWriter(tmp_exhibits, EXHIBIT_SCHEMA, rows_per_part)
    rejects = _PartWriter(tmp_rejects, REJECT_SCHEMA, rows_per_part)
    seen: dict[str, str] = {}
    for path in map(Path, inputs):
        if not path.is_file():
            raise UserError(f"{path}: no such file")
        stats.inputs.append({"path": str(path), "sha256": _sha256(path), "adapter": adapter.name})
        for record in tqdm(adapter.read(path), desc=f"ingest {path.name}", unit="rec", disable=not progress):
            stats.records += 1
            try:
                exhibit = adapter.to_exhibit(record)
                if exhibit.exhibit_id in seen:
                    raise RecordRejected(
                        "exhibit_id", f"duplicate exhibit_id {exhibit.exhibit_id} (first at {seen[exhibit.exhibit_id]})"
                    )
            except RecordRejected as rejected:
                stats.rejects += 1
                rejects.add(
                    {
                        "source_path": record.source_path,
                        "position": record.position,
                        "record_id": record.record_id,
                        "field": rejected.field,
                        "reason": rejected.reason,
                    }
                )
                continue
            seen[exhibit.exhibit_id] = f"{record.source_path}#{record.position}"
            exhibits.add(exhibit_to_row(exhibit))
            stats.exhibits += 1
    exhibits.flush()
    rejects.flush()
    stats.check()
    for tmp, final in ((tmp_exhibits, out / "exhibits"), (tmp_rejects, out / "rejects")):
        shutil.rmtree(final, ignore_errors=True)
        tmp.rename(final)
    write_json(
        {
            "version": __version__,
            "inputs": stats.inputs,
            "records": stats.records,
            "exhibits": stats.exhibits,
            "rejects": stats.rejects,
        },
        out / MANIFEST,
    )
    return stats
