"""The per-item ledger: one Parquet part per work unit, written after the unit's shard.

A part on disk means its unit is finished, so a killed build resumes by skipping the units that
have one; the part's `signature` (a hash of the unit's input items) tells a finished unit from a
stale one whose input changed. Every image considered appears once per sample it produced
(`status == "ok"`) or once with its failure reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from museumvqa.io import atomic_path

LEDGER_DIR = "ledger"
PART_NAME = "part-{:06d}.parquet"
OK = "ok"
FAILED = "failed"

LEDGER_SCHEMA = pa.schema(
    [
        ("item", pa.string()),  # the image reference: key of its first sample
        ("key", pa.string()),
        ("exhibit_id", pa.string()),
        ("role", pa.string()),
        ("view", pa.string()),
        ("uri", pa.string()),
        ("url", pa.string()),  # what was actually read: a path, a URL, a sized IIIF request
        ("status", pa.string()),
        ("reason", pa.string()),
        ("bytes", pa.int64()),  # size of the source as read
        ("sha256", pa.string()),  # of the stored JPEG
        ("phash", pa.string()),
        ("width", pa.int32()),
        ("height", pa.int32()),
        ("generated", pa.bool_()),
        ("attempt", pa.int32()),  # how many builds have tried this item
        ("shard", pa.string()),
    ]
)


def part_path(out: Path, number: int) -> Path:
    return out / LEDGER_DIR / PART_NAME.format(number)


def write_part(out: Path, number: int, rows: list[dict[str, Any]], signature: str) -> None:
    """Atomically: a reader sees the whole part or none."""
    table = pa.Table.from_pylist(rows, schema=LEDGER_SCHEMA).replace_schema_metadata({"signature": signature})
    with atomic_path(part_path(out, number)) as tmp:
        pq.write_table(table, tmp)


def part_signature(out: Path, number: int) -> str | None:
    """The signature of a finished unit, None when the unit has no part yet."""
    path = part_path(out, number)
    if not path.is_file():
        return None
    metadata = pq.read_schema(path).metadata or {}
    return metadata.get(b"signature", b"").decode()


def read_part(out: Path, number: int) -> list[dict[str, Any]]:
    return pq.read_table(part_path(out, number)).to_pylist()


def has_failures(out: Path, number: int) -> bool:
    status = pq.read_table(part_path(out, number), columns=["status"]).column(0).to_pylist()
    return any(s != OK for s in status)
