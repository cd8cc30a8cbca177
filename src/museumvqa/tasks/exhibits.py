"""Per-exhibit facts the benchmarks break scores down by: museum and continent of origin."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from museumvqa.errors import UserError
from museumvqa.tasks.continents import UNKNOWN, continent_of
from museumvqa.tasks.exhibit_arrays import Coded

ORIGIN_ATTRIBUTES = ("culture", "place")  # then the makers' nationality: where a work comes from


def museums_from_ids(ids: pa.Array) -> Coded:
    """Exhibit ids are `museum:accession`; used when no exhibits table is given (no colon: unknown)."""
    prefix = pc.list_element(pc.split_pattern(ids, ":", max_splits=1), 0)
    museum = pc.dictionary_encode(pc.if_else(pc.match_substring(ids, ":"), prefix, UNKNOWN))
    return Coded(museum.indices.to_numpy(zero_copy_only=False).astype(np.int32), museum.dictionary.to_pylist())


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


def _origin(row: dict) -> tuple[str | None, ...]:
    attributes = row.get("attributes") or {}
    return tuple(
        [
            *(v["value"] for name in ORIGIN_ATTRIBUTES for v in attributes.get(name) or ()),
            *(p["nationality"] for p in row["people"] or ()),
        ]
    )


def exhibit_facts(exhibits: str | Path | None, ids: pa.Array) -> tuple[Coded, Coded]:
    """The museum and continent of each exhibit of `ids` (sorted, unique), as codes; without an exhibits
    table the museum comes from the id and the continent is unknown. A row of the table for an exhibit
    named twice overrides the earlier one."""
    museum = museums_from_ids(ids)
    continent = Coded(np.zeros(len(ids), np.int8), [UNKNOWN])
    if exhibits is None:
        return museum, continent
    path = Path(exhibits)
    files = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
    if not files or not all(f.is_file() for f in files):
        raise UserError(f"{path}: no exhibits Parquet files")
    museum_code = {name: code for code, name in enumerate(museum.names)}
    continent_code = {UNKNOWN: 0}
    continents: dict[tuple[str | None, ...], int] = {}
    for file in files:
        parquet = pq.ParquetFile(file)
        named = pq.read_table(file, columns=["exhibit_id"])["exhibit_id"]
        rows_of, offset = pc.fill_null(pc.index_in(named, value_set=ids), -1).to_numpy(), 0
        for batch in parquet.iter_batches(batch_size=2048, columns=_origin_columns(parquet)):
            at, offset = rows_of[offset : offset + batch.num_rows], offset + batch.num_rows
            wanted = np.flatnonzero(at >= 0)
            for row, record in zip(at[wanted].tolist(), batch.take(pa.array(wanted)).to_pylist()):
                origin = _origin(record)
                if origin not in continents:
                    continents[origin] = continent_code.setdefault(continent_of(origin), len(continent_code))
                continent.codes[row] = continents[origin]
                museum.codes[row] = museum_code.setdefault(record["museum"], len(museum_code))
    museum.names[:] = list(museum_code)
    continent.names[:] = list(continent_code)
    return museum, continent
