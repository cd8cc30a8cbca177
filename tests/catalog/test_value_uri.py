"""`Value.uri` (a value's vocabulary id): written, read back, and old files without it still readable."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from catalog_helpers import FIXTURES, read_exhibits

from museumvqa.catalog.ingest import ALLOW_REJECTS, ingest
from museumvqa.catalog.schema import (
    EXHIBIT_SCHEMA,
    Exhibit,
    Value,
    exhibit_from_row,
    exhibit_to_row,
    exhibits_to_table,
    new_value,
    upgrade_exhibits_table,
)
from museumvqa.questions.records import iter_exhibits

AAT_OIL = "http://vocab.getty.edu/aat/300015050"
# The value struct before `uri` existed: what older runs hold.
_OLD_VALUE = pa.struct([("value", pa.string()), ("lang", pa.string()), ("role", pa.string())])


def _old_table(exhibits: list[Exhibit]) -> pa.Table:
    """Exhibits as an older run wrote them: value structs without `uri`."""
    attributes = pa.struct([(f.name, pa.list_(_OLD_VALUE)) for f in EXHIBIT_SCHEMA.field("attributes").type])
    schema = pa.schema([pa.field("attributes", attributes) if f.name == "attributes" else f for f in EXHIBIT_SCHEMA])
    rows = [exhibit_to_row(e) for e in exhibits]
    for row in rows:
        for values in row["attributes"].values():
            for value in values or []:
                value.pop("uri")
    return pa.Table.from_pylist(rows, schema=schema)


def _exhibit() -> Exhibit:
    ex = Exhibit("m:1", "m", "test", "x#0")
    ex.add("medium", "oil paint", uri=AAT_OIL)
    ex.add("creator", "Anna", lang=None, role="Painter")
    return ex


def test_add_keeps_the_id_apart_from_the_role() -> None:
    ex = _exhibit()
    assert ex.attributes["medium"] == [Value("oil paint", "en", None, AAT_OIL)]
    assert ex.attributes["creator"] == [Value("Anna", None, "Painter", None)]
    ex.add("medium", "oil paint", uri=" " + AAT_OIL)  # cleaned, then a duplicate
    assert len(ex.attributes["medium"]) == 1
    assert new_value(("x", "en", None)) == Value("x", "en", None, None)  # three fields: uri None
    assert new_value(("x", "en", None, AAT_OIL)).uri == AAT_OIL


def test_uri_round_trips_through_parquet(tmp_path: Path) -> None:
    ex = _exhibit()
    table = exhibits_to_table([ex])
    assert table.equals(pa.Table.from_pylist([exhibit_to_row(ex)], schema=EXHIBIT_SCHEMA))
    pq.write_table(table, tmp_path / "part.parquet")
    (row,) = pq.read_table(tmp_path / "part.parquet").to_pylist()
    assert exhibit_from_row(row) == ex
    ((read,),) = iter_exhibits(tmp_path / "part.parquet")
    assert read.attributes == ex.attributes


def test_files_written_before_uri_still_read(tmp_path: Path) -> None:
    ex = _exhibit()
    old = _old_table([ex])
    pq.write_table(old, tmp_path / "old.parquet")
    expected = {name: [v._replace(uri=None) for v in values] for name, values in ex.attributes.items()}
    (row,) = pq.read_table(tmp_path / "old.parquet").to_pylist()
    assert exhibit_from_row(row).attributes == expected
    ((read,),) = iter_exhibits(tmp_path / "old.parquet")
    assert read.attributes == expected
    upgraded = upgrade_exhibits_table(old)
    assert upgraded.schema.equals(EXHIBIT_SCHEMA)
    assert upgraded.equals(exhibits_to_table([Exhibit(**{**vars(ex), "attributes": expected})]))


def test_appending_to_an_old_run_upgrades_its_parts(tmp_path: Path) -> None:
    """An old run's parts are brought to the current schema, so every part of the folder reads as one table."""
    run = tmp_path / "run"
    ingest([FIXTURES / "lido_1_1_single.xml"], run, progress=False, guard=ALLOW_REJECTS)
    (part,) = sorted((run / "exhibits").glob("*.parquet"))
    exhibits = [exhibit_from_row(r) for r in pq.read_table(part).to_pylist()]
    pq.write_table(_old_table(exhibits), part)
    ingest([FIXTURES / "met_objects.csv"], run, progress=False, mode="append", guard=ALLOW_REJECTS)
    for found in sorted((run / "exhibits").glob("*.parquet")):
        assert pq.read_schema(found).equals(EXHIBIT_SCHEMA), found
    assert {e.exhibit_id for e in exhibits} <= set(read_exhibits(run))
