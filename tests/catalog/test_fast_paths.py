"""The ingest fast paths give exactly what the plain ways give: text cleaning, years, and the Arrow columns."""

from __future__ import annotations

import gc
import re
import unicodedata
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from catalog_helpers import FIXTURES
from hypothesis import given
from hypothesis import strategies as st

from museumvqa.catalog.adapters import Adapter, detect_adapter
from museumvqa.catalog.adapters.met_api import MetApiAdapter
from museumvqa.catalog.ingest import ALLOW_REJECTS, ingest
from museumvqa.catalog.schema import (
    EXHIBIT_SCHEMA,
    Exhibit,
    ImageRef,
    Person,
    Value,
    clean_text,
    exhibit_to_row,
    exhibits_to_table,
)
from museumvqa.catalog.years import parse_year


def plain_clean_text(value: object) -> str | None:
    """clean_text as first written: split/join every value, NFC when not ASCII."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return text or None


# ASCII with every kind of whitespace and control character, plus accents that NFC composes.
PIECES = [*" \t\n\r\x0b\x0c\x1c\x1f\x00\x7f", "a", "Z", "1", ".", "e\u0301", "\u00a0"]
TEXT = st.lists(st.sampled_from(PIECES)).map("".join)


@given(st.one_of(TEXT, st.text(), st.integers(), st.floats(allow_nan=False), st.booleans()))
def test_clean_text_equals_the_plain_way(value: object) -> None:
    assert clean_text(value) == plain_clean_text(value)


VALUES = st.tuples(
    st.sampled_from(["a", " a", "b", "", "e\u0301"]),
    st.sampled_from(["en", "fr", None]),
    st.sampled_from([None, "x", " x"]),
)


@given(st.lists(VALUES, max_size=12))
def test_add_keeps_what_the_plain_way_keeps(adds: list[tuple[str, str | None, str | None]]) -> None:
    """Exhibit.add keeps what cleaning every value and `not in` on Values keep (its string-first test included)."""
    exhibit = Exhibit("m:1", "m", "test", "x#0")
    expected: list[Value] = []
    for value, lang, role in adds:
        exhibit.add("title", value, lang=lang, role=role)
        item = Value(plain_clean_text(value), lang, plain_clean_text(role)) if plain_clean_text(value) else None
        if item is not None and item not in expected:
            expected.append(item)
    assert exhibit.attributes.get("title", []) == expected


@given(st.one_of(st.integers(-20_000, 20_000), st.integers()))
def test_integer_years_read_like_their_text(year: int) -> None:
    expected = int(str(year)) if re.fullmatch(r"-?\d{1,4}", str(year)) else None
    assert parse_year(year) == expected == parse_year(str(year))


def _row_path(adapter: Adapter, path: Path) -> pa.Table:
    """The exhibits of `path` the way ingest first wrote them: one dict per row, then from_pylist."""
    exhibits = []
    for record in adapter.read(path):
        try:
            exhibits.append(adapter.to_exhibit(record))
        except Exception:  # rejects are not exhibits; ingest's reject handling is tested elsewhere
            continue
    return pa.Table.from_pylist([exhibit_to_row(e) for e in exhibits], schema=EXHIBIT_SCHEMA)


@pytest.mark.parametrize("name", ["met_objects.csv", "lido_1_0_wrap.xml", "lido_1_1_single.xml"])
def test_ingested_fixture_equals_the_row_path(tmp_path: Path, name: str) -> None:
    ingest([FIXTURES / name], tmp_path, progress=False, guard=ALLOW_REJECTS)
    written = pq.read_table(tmp_path / "exhibits")
    assert written.schema.equals(EXHIBIT_SCHEMA)
    assert written.num_rows > 0
    assert written.equals(_row_path(detect_adapter(FIXTURES / name), FIXTURES / name))


def test_met_sample_parts_equal_the_row_path(tmp_path: Path, sample_dir: Path) -> None:
    """174 records in parts of 50: part sizes as asked, contents equal to the row path."""
    ingest([sample_dir / "objects.json"], tmp_path, MetApiAdapter(), rows_per_part=50, progress=False, guard=ALLOW_REJECTS)
    parts = sorted((tmp_path / "exhibits").glob("*.parquet"))
    assert [pq.read_metadata(p).num_rows for p in parts] == [50, 50, 50, 24]
    written = pa.concat_tables(pq.read_table(p) for p in parts)
    assert written.equals(_row_path(MetApiAdapter(), sample_dir / "objects.json"))


def test_tate_sample_equals_the_row_path(tmp_path: Path, tate_dir: Path, tate_catalog_run: Path) -> None:
    expected = _row_path(detect_adapter(tate_dir), tate_dir)
    assert pq.read_table(tate_catalog_run / "exhibits").equals(expected)


def test_edge_shapes_convert_like_rows() -> None:
    """No exhibits; empty and absent attributes, images, people; several values and nulls."""
    bare = Exhibit("m:1", "m", "test", "x#0")
    full = Exhibit("m:2", "m", "test", "x#1", date_begin=-500, date_end=1999, licence="CC0-1.0", url="u")
    full.add("title", "Le Port", lang="fr")
    full.add("title", "The Harbour")
    full.add("creator", "Anna", lang=None, role="painter")
    full.images += [ImageRef("a.jpg"), ImageRef("b.jpg", "verso", "Verso", None)]
    full.people.append(Person("Anna", birth_year=1840, birth_place="Lyon"))
    emptied = Exhibit("m:3", "m", "test", "x#2", attributes={"title": []})
    for exhibits in ([], [bare], [full, bare, emptied], [bare, full]):
        expected = pa.Table.from_pylist([exhibit_to_row(e) for e in exhibits], schema=EXHIBIT_SCHEMA)
        assert exhibits_to_table(exhibits).equals(expected)


def test_ingest_restores_the_collector(tmp_path: Path, sample_dir: Path) -> None:
    before = (gc.get_threshold(), gc.get_freeze_count(), gc.isenabled())
    ingest([sample_dir / "objects.json"], tmp_path, progress=False, guard=ALLOW_REJECTS)
    assert (gc.get_threshold(), gc.get_freeze_count(), gc.isenabled()) == before
