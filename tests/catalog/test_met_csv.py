"""Met Open Access CSV: real header, '|'-joined artists, bad rows as rejects, Latin-1 and BOM files."""

from __future__ import annotations

from pathlib import Path

import pytest
from catalog_helpers import FIXTURES, read_exhibits

from museumvqa.catalog.adapters.met_csv import MetCsvAdapter
from museumvqa.catalog.ingest import ALLOW_REJECTS, ingest
from museumvqa.errors import UserError
from museumvqa.io import read_parquet_dir

CSV = FIXTURES / "met_objects.csv"


@pytest.fixture(scope="module")
def csv_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("met_csv")
    stats = ingest([CSV], out, progress=False, guard=ALLOW_REJECTS)  # detected, not named
    assert (stats.records, stats.exhibits, stats.rejects) == (5, 3, 2)
    return out


def test_row_maps_like_the_api_record(csv_run: Path) -> None:
    ex = read_exhibits(csv_run)["met:58.187"]
    assert ex.source_adapter == "met-csv" and ex.licence == "CC0-1.0"
    assert ex.values("title") == ["Irises"] and ex.values("object_type") == ["Painting"]
    assert ex.values("medium") == ["Oil on canvas"] and (ex.date_begin, ex.date_end) == (1890, 1890)
    assert ex.values("subject") == ["Still Life", "Flowers"] and ex.values("acquisition_year") == ["1958"]
    gogh = ex.people[0]
    assert (gogh.name, gogh.person_id, gogh.birth_year, gogh.death_year, gogh.nationality) == (
        "Vincent van Gogh",
        "161947",
        1853,
        1890,
        "Dutch",
    )
    assert ex.url == "https://www.metmuseum.org/art/collection/search/436528"


def test_pipe_joined_artists_line_up(csv_run: Path) -> None:
    ex = read_exhibits(csv_run)["met:2001.100.7a, b"]
    assert [(v.value, v.role) for v in ex.attributes["creator"]] == [
        ("Anna Example", "Artist"),
        ("Ben Printer", "Printer"),
    ]
    anna, ben = ex.people
    assert (anna.birth_year, anna.death_year, anna.nationality, anna.person_id) == (1840, 1910, "French", "11")
    assert (ben.birth_year, ben.death_year, ben.nationality, ben.person_id) == (1850, None, None, "12")
    assert ex.values("title") == ['Harbour at Dusk, "Evening"'] and ex.licence is None


def test_bad_rows_are_rejects_with_reasons(csv_run: Path) -> None:
    rejects = read_parquet_dir(csv_run / "rejects").to_pylist()
    assert [r["position"] for r in rejects] == [3, 4]
    assert "neither Object Number nor Object ID" in rejects[0]["reason"]
    assert "row has 8 fields" in rejects[1]["reason"] and rejects[1]["record_id"] is None


def test_latin1_and_bom_files_read_the_same(tmp_path: Path, csv_run: Path) -> None:
    text = CSV.read_text(encoding="utf-8").replace("Irises", "Iris à Saint-Rémy")
    (tmp_path / "latin1.csv").write_bytes(text.encode("cp1252"))  # Windows Latin-1
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    for name in ("latin1.csv", "bom.csv"):
        ingest([tmp_path / name], tmp_path / name.replace(".", "_"), MetCsvAdapter(), progress=False, guard=ALLOW_REJECTS)
        assert read_exhibits(tmp_path / name.replace(".", "_"))["met:58.187"].values("title") == ["Iris à Saint-Rémy"]


def test_other_csv_is_refused_with_the_missing_columns(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("id,name\n1,a\n")
    with pytest.raises(UserError, match="missing columns: Object ID, Object Name, Title"):
        ingest([tmp_path / "x.csv"], tmp_path / "run", MetCsvAdapter(), progress=False, guard=ALLOW_REJECTS)
