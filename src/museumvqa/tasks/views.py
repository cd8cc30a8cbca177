"""Which images of an exhibit a question is asked on: the main view, then real additional views, then
generated ones (crops, rotations, ... flagged `generated` in the image index when it has that column)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

MAIN, REAL, GENERATED = "main", "real", "generated"
_LABELS = pa.array([MAIN, REAL, GENERATED], pa.string())  # by rank
_INDEX_BATCH = 1 << 20  # index rows read at a time: each batch looks its exhibits up in one hash of the ids


def view_table(index_path: str | Path, ids: pa.Array) -> pa.Table:
    """The index's images of the exhibits `ids` (sorted, unique) as columns exhibit (its row in `ids`),
    key, view (main|real|generated), sorted by exhibit, each exhibit's main view first, then real, then
    generated ones, by key; exhibits without a primary image are left out (a question needs a main view
    to be asked on). Arrow and numbers, not dicts of strings: a million exhibits' views are tens of MB."""
    index = pq.ParquetFile(index_path)
    names = index.schema_arrow.names
    columns = [c for c in ("key", "exhibit_id", "role", "generated") if c in names]
    empty = {"exhibit": pa.array([], pa.int32()), "rank": pa.array([], pa.int8()), "key": pa.array([], pa.string())}
    parts = [pa.table(empty)]
    for batch in index.iter_batches(_INDEX_BATCH, columns=columns):  # the ids' strings are not kept
        primary = pc.fill_null(pc.equal(batch["role"], "primary"), False)
        generated = (
            pc.fill_null(batch["generated"], False) if "generated" in names else pa.repeat(False, batch.num_rows)
        )
        part = pa.table(
            {
                "exhibit": pc.index_in(batch["exhibit_id"], value_set=ids),
                "rank": pc.if_else(generated, 2, pc.if_else(primary, 0, 1)).cast(pa.int8()),
                "key": batch["key"].cast(pa.string()),
            }
        )
        parts.append(part.filter(pc.is_valid(part["exhibit"])))
    ranked = pa.concat_tables(parts)
    del parts
    order = pc.sort_indices(ranked, [("exhibit", "ascending"), ("rank", "ascending"), ("key", "ascending")])
    exhibit = ranked["exhibit"].take(order).to_numpy().astype(np.int64)
    ranks = ranked["rank"].take(order).to_numpy()
    keys = ranked["key"].take(order).combine_chunks()
    del ranked, order
    first = np.ones(len(exhibit), bool)
    first[1:] = exhibit[1:] != exhibit[:-1]
    keep = (ranks[first] == 0)[np.cumsum(first) - 1]  # the exhibit's first image is a main view
    # one main view: further primary images (rare) count as real views
    label = np.where(first, 0, np.where(ranks == 2, 2, 1)).astype(np.int8)
    view = pa.DictionaryArray.from_arrays(pa.array(label), _LABELS)
    return pa.table({"exhibit": exhibit, "key": keys, "view": view}).filter(pa.array(keep))


def exhibit_views(index_path: str | Path) -> dict[str, list[tuple[str, str]]]:
    """exhibit id -> [(image key, main|real|generated)], main first: `view_table` as dicts, for a small index."""
    ids = pc.drop_null(pc.unique(pq.read_table(index_path, columns=["exhibit_id"])["exhibit_id"]))
    ids = ids.take(pc.sort_indices(ids))
    table = view_table(index_path, ids)
    names = ids.to_pylist()
    views: dict[str, list[tuple[str, str]]] = {}
    for exhibit, key, label in zip(*(table[c].to_pylist() for c in ("exhibit", "key", "view"))):
        views.setdefault(names[exhibit], []).append((key, label))
    return views
