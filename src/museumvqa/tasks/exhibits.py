"""Per-exhibit facts the benchmarks break scores down by: museum and continent of origin."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from museumvqa.catalog.schema import exhibit_from_row
from museumvqa.errors import UserError
from museumvqa.tasks.continents import UNKNOWN, continent_of


def museum_from_id(exhibit_id: str) -> str:
    """Exhibit ids are `museum:accession`; used when no exhibits table is given."""
    return exhibit_id.split(":", 1)[0] if ":" in exhibit_id else UNKNOWN


def exhibit_facts(exhibits: str | Path | None, exhibit_ids: set[str]) -> dict[str, dict[str, str]]:
    """exhibit id -> {"museum", "continent"}; without an exhibits table the museum comes from the id and
    the continent is unknown."""
    facts = {e: {"museum": museum_from_id(e), "continent": UNKNOWN} for e in exhibit_ids}
    if exhibits is None:
        return facts
    path = Path(exhibits)
    files = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
    if not files or not all(f.is_file() for f in files):
        raise UserError(f"{path}: no exhibits Parquet files")
    for file in files:
        for batch in pq.ParquetFile(file).iter_batches(batch_size=2048):
            for row in batch.to_pylist():
                if row["exhibit_id"] not in facts:
                    continue
                ex = exhibit_from_row(row)
                origin = [*ex.values("culture"), *ex.values("place"), *(p.nationality for p in ex.people)]
                facts[ex.exhibit_id] = {"museum": ex.museum, "continent": continent_of(origin)}
    return facts
