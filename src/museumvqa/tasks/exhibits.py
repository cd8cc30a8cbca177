"""Per-exhibit facts the benchmarks break scores down by: museum and continent of origin."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from museumvqa.errors import UserError
from museumvqa.tasks.continents import UNKNOWN, continent_of

ORIGIN_ATTRIBUTES = ("culture", "place")  # then the makers' nationality: where a work comes from


def museum_from_id(exhibit_id: str) -> str:
    """Exhibit ids are `museum:accession`; used when no exhibits table is given."""
    return exhibit_id.split(":", 1)[0] if ":" in exhibit_id else UNKNOWN


def _origin_columns(file: pq.ParquetFile) -> list[str]:
    """The columns an exhibit's facts need, down to the nested fields: reading whole rows cost ~0.3 ms each."""
    attributes = file.schema_arrow.field("attributes").type
    present = [name for name in ORIGIN_ATTRIBUTES if attributes.get_field_index(name) >= 0]
    return [
        "exhibit_id",
        "museum",
        *(f"attributes.{name}.list.element.value" for name in present),
        "people.list.element.nationality",
    ]


def exhibit_facts(exhibits: str | Path | None, exhibit_ids: set[str]) -> dict[str, dict[str, str]]:
    """exhibit id -> {"museum", "continent"}; without an exhibits table the museum comes from the id and
    the continent is unknown. Exhibits with the same facts share one (read-only) dict: a million
    exhibits hold a few hundred."""
    shared: dict[tuple[str, str], dict[str, str]] = {}

    def facts_of(museum: str, continent: str) -> dict[str, str]:
        return shared.setdefault((museum, continent), {"museum": museum, "continent": continent})

    facts = {e: facts_of(museum_from_id(e), UNKNOWN) for e in exhibit_ids}
    if exhibits is None:
        return facts
    path = Path(exhibits)
    files = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
    if not files or not all(f.is_file() for f in files):
        raise UserError(f"{path}: no exhibits Parquet files")
    continents: dict[tuple[str | None, ...], str] = {}
    for file in files:
        parquet = pq.ParquetFile(file)
        for batch in parquet.iter_batches(batch_size=2048, columns=_origin_columns(parquet)):
            for row in batch.to_pylist():
                if row["exhibit_id"] not in facts:
                    continue
                attributes = row.get("attributes") or {}
                origin = tuple(
                    [
                        *(v["value"] for name in ORIGIN_ATTRIBUTES for v in attributes.get(name) or ()),
                        *(p["nationality"] for p in row["people"] or ()),
                    ]
                )
                if origin not in continents:
                    continents[origin] = continent_of(origin)
                facts[row["exhibit_id"]] = facts_of(row["museum"], continents[origin])
    return facts
