from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from museumvqa.catalog.schema import EXHIBIT_SCHEMA, Exhibit, Person, exhibit_from_row, exhibit_to_row
from museumvqa.questions.records import READ_COLUMNS, iter_exhibits


def _by_rows(path: Path) -> list[Exhibit]:
    return [exhibit_from_row(row) for row in pq.read_table(path, columns=list(READ_COLUMNS)).to_pylist()]


def _same(ours: list[Exhibit], theirs: list[Exhibit]) -> None:
    assert ours == theirs
    assert [list(e.attributes) for e in ours] == [list(e.attributes) for e in theirs]  # attribute order too


@pytest.mark.parametrize("sample", ["met", pytest.param("tate", marks=pytest.mark.slow)])
def test_column_wise_exhibits_equal_row_decoding(sample: str, request: pytest.FixtureRequest) -> None:
    run: Path = request.getfixturevalue("ingested_sample" if sample == "met" else "tate_questions_run")
    (path,) = sorted((run / "exhibits").glob("*.parquet"))
    batches = list(iter_exhibits(path, batch_size=50))  # several batches: offsets past the first one
    assert len(batches) > 1
    _same([e for batch in batches for e in batch], _by_rows(path))


def test_empty_and_null_lists_and_shared_values(tmp_path: Path) -> None:
    bare = Exhibit("x:1", "x", "test", "-")
    full = Exhibit("x:2", "x", "test", "-", date_begin=1850, date_end=1850)
    full.add("title", "Haystacks")
    full.add("medium", "Oil on canvas")
    full.people.append(Person("Claude Monet", birth_year=1840, nationality="French"))
    again = Exhibit("x:3", "x", "test", "-")
    again.add("medium", "Oil on canvas")
    rows = [exhibit_to_row(e) for e in (bare, full, again)]
    rows[0]["attributes"] = None  # a null struct, as another writer may leave it
    pq.write_table(pa.Table.from_pylist(rows, schema=EXHIBIT_SCHEMA), tmp_path / "e.parquet")
    (decoded,) = iter_exhibits(tmp_path / "e.parquet")
    _same(decoded, _by_rows(tmp_path / "e.parquet"))
    assert decoded[0].attributes == {} and decoded[0].people == []
    assert decoded[1].attributes["medium"][0] is decoded[2].attributes["medium"][0]  # one object per value
    assert decoded[1].images == [] and decoded[1].licence is None  # not read: questions ask nothing of them
