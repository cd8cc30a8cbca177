"""Exhibit Parquet -> `Exhibit` objects, column by column, for question generation.

`exhibit_from_row` on `to_pylist` rows builds a dict per row and per attribute value, then an object
from each dict; that was a third of question generation. Here each leaf column becomes one Python list
per batch, and equal values share one `Value` / `Person` object (they are frozen): vocabularies
repeat (departments, media, credit lines, the same artist). The objects equal `exhibit_from_row`'s
for the columns read; images, licences and URLs ask nothing and are not read.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from museumvqa.catalog.schema import Exhibit, Person, Value

READ_COLUMNS = (
    "exhibit_id",
    "museum",
    "source_adapter",
    "source_path",
    "attributes",
    "date_begin",
    "date_end",
    "people",
)
_SHARED_LIMIT = 1 << 17  # distinct values kept for sharing; the table starts afresh when full


def iter_exhibits(path: str | Path, batch_size: int = 2048) -> Iterator[list[Exhibit]]:
    """The exhibits of one Parquet file, a batch at a time, with the columns questions need."""
    parquet = pq.ParquetFile(path)
    columns = [name for name in READ_COLUMNS if name in parquet.schema_arrow.names]
    shared: dict[type, dict[tuple[Any, ...], Any]] = {Value: {}, Person: {}}
    for batch in parquet.iter_batches(batch_size=batch_size, columns=columns):
        for objects in shared.values():
            if len(objects) > _SHARED_LIMIT:
                objects.clear()
        yield exhibits_from_batch(batch, shared)


def exhibits_from_batch(batch: pa.RecordBatch, shared: dict[type, dict[tuple[Any, ...], Any]]) -> list[Exhibit]:
    """One `Exhibit` per row; `shared` maps, per class, leaf fields to the object already made for them."""
    n = batch.num_rows
    names = batch.schema.names

    def column(name: str) -> list[Any]:
        return batch.column(name).to_pylist() if name in names else [None] * n

    attributes: list[dict[str, list[Value]]] = [{} for _ in range(n)]
    if "attributes" in names:
        struct = batch.column("attributes")
        for field, lists in zip(struct.type, struct.flatten(), strict=True):
            for i, values in _lists(lists, Value, shared[Value]):
                attributes[i][field.name] = values
    people: list[list[Person]] = [[] for _ in range(n)]
    if "people" in names:
        for i, found in _lists(batch.column("people"), Person, shared[Person]):
            people[i] = found
    return [
        Exhibit(
            exhibit_id=eid,
            museum=museum,
            source_adapter=adapter,
            source_path=source,
            attributes=attrs,
            date_begin=begin,
            date_end=end,
            people=persons,
        )
        for eid, museum, adapter, source, attrs, begin, end, persons in zip(
            column("exhibit_id"),
            column("museum"),
            column("source_adapter"),
            column("source_path"),
            attributes,
            column("date_begin"),
            column("date_end"),
            people,
            strict=True,
        )
    ]


def _lists(lists: pa.ListArray, cls: type, shared: dict[tuple[Any, ...], Any]) -> Iterator[tuple[int, list[Any]]]:
    """(row, objects) for every row whose list<struct> is neither null nor empty, objects built from `cls`."""
    lengths = pc.fill_null(pc.list_value_length(lists), 0).to_numpy()
    rows = np.flatnonzero(lengths)
    if not len(rows):
        return
    items = lists.values
    names = [f.name for f in items.type]
    objects = []
    for key in zip(*(items.field(name).to_pylist() for name in names), strict=True):
        found = shared.get(key)
        if found is None:
            found = shared[key] = cls(**dict(zip(names, key, strict=True)))
        objects.append(found)
    offsets = lists.offsets.to_numpy()
    for i in rows.tolist():
        yield i, objects[offsets[i] : offsets[i + 1]]
