"""Format detection, `catalog stats` and `catalog query` (DuckDB), and the CLI around them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from catalog_helpers import FIXTURES

from museumvqa.catalog.adapters import ADAPTERS, detect_format
from museumvqa.catalog.ingest import ALLOW_REJECTS, ingest
from museumvqa.catalog.query import run_query
from museumvqa.catalog.stats import catalog_stats
from museumvqa.errors import UserError


def museumvqa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from museumvqa.cli import main; main()", *args], capture_output=True, text=True
    )


def test_each_format_is_detected(sample_dir: Path, tate_dir: Path) -> None:
    assert detect_format(sample_dir / "objects.json") == "met-api"
    assert detect_format(FIXTURES / "met_objects.csv") == "met-csv"
    assert detect_format(tate_dir) == "tate" and detect_format(tate_dir / "artworks.jsonl") == "tate"
    assert detect_format(FIXTURES / "lido_1_1_single.xml") == "lido"


def test_undetectable_input_lists_the_formats(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(UserError, match="pass --format, one of: ") as error:
        detect_format(tmp_path / "notes.txt")
    assert all(name in str(error.value) for name in ADAPTERS)  # every registered format, new ones included


@pytest.fixture(scope="module")
def mixed_run(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path, tate_dir: Path) -> Path:
    """Three museums' formats in one catalogue, each input detected on its own."""
    out = tmp_path_factory.mktemp("mixed")
    ingest([sample_dir / "objects.json", tate_dir, FIXTURES / "lido_1_0_wrap.xml"], out, progress=False, guard=ALLOW_REJECTS)
    return out


def test_stats_counts_museums_languages_and_coverage(mixed_run: Path) -> None:
    stats = catalog_stats(mixed_run)
    assert stats["museums"] == {"tate": 3000, "met": 174, "example-kunstmuseum": 2}
    assert stats["exhibits"] == 3176 and stats["rejects"] == 2
    assert stats["languages"]["und"] == 673 and stats["languages"]["fr"] == 1 and stats["languages"]["it"] == 4
    assert stats["coverage"]["title"] == 1.0 and 0 < stats["coverage"]["technique"] < 0.01
    assert stats["object_types"][0] == ("on paper, unique", 1609) and ("Painting", 146) in stats["object_types"]


def test_query_joins_exhibits_and_people(mixed_run: Path) -> None:
    sql = (
        "SELECT p.name, p.birth_place FROM exhibits e, unnest(e.people) AS u(person) "
        "JOIN people p ON p.person_key = e.museum || ':' || person.person_id "
        "WHERE e.exhibit_id = 'tate:A00044'"
    )
    columns, rows = run_query(mixed_run, sql)
    assert columns == ["name", "birth_place"] and rows == [("William Blake", "London, United Kingdom")]


def test_bad_sql_and_missing_catalogue_are_user_errors(mixed_run: Path, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="query failed"):
        run_query(mixed_run, "SELECT nope FROM exhibits")
    with pytest.raises(UserError, match="not an ingested catalogue"):
        run_query(tmp_path, "SELECT 1")


@pytest.mark.slow
def test_cli_ingest_stats_query(tmp_path: Path, tate_dir: Path) -> None:
    out = tmp_path / "run"
    result = museumvqa("ingest", str(tate_dir / "artworks.jsonl"), "--out", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    assert "3000 records = 3000 exhibits + 0 rejects (ok); 825 people" in result.stdout
    stats = museumvqa("catalog", "stats", str(out))
    assert stats.returncode == 0 and "tate" in stats.stdout and "attribute coverage" in stats.stdout
    query = museumvqa("catalog", "query", str(out), "SELECT count(*) AS n FROM people WHERE birth_place IS NOT NULL")
    assert query.returncode == 0 and query.stdout.splitlines()[0] == "n" and int(query.stdout.splitlines()[1]) > 600
    bad = museumvqa("ingest", str(tmp_path / "run" / "people"), "--out", str(tmp_path / "x"))
    assert bad.returncode == 2 and bad.stderr.startswith("error: ") and len(bad.stderr.strip().splitlines()) == 1


def test_make_adapter_checks_its_options(tmp_path: Path) -> None:
    from museumvqa.catalog.adapters import make_adapter

    with pytest.raises(UserError, match="format 'mapping' needs --mapping"):
        make_adapter("mapping")
    with pytest.raises(UserError, match="--image-dir only applies to format 'met-api'"):
        make_adapter("tate", image_dir=tmp_path)
    with pytest.raises(UserError, match="unknown format 'bogus'; known formats: ") as error:
        make_adapter("bogus")
    assert all(name in str(error.value) for name in ADAPTERS)
    (tmp_path / "m.yaml").write_text("museum: m\nid: id\nfields:\n  title: t\n")
    assert make_adapter("mapping", mapping=tmp_path / "m.yaml").name == "mapping"
