"""`catalog query` only reads: one statement of a reading kind, files outside the catalogue unreachable."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from museumvqa.catalog.query import run_query
from museumvqa.cli import app
from museumvqa.errors import UserError


@pytest.fixture
def run(tmp_path: Path) -> Path:
    (tmp_path / "run" / "exhibits").mkdir(parents=True)
    pq.write_table(pa.table({"exhibit_id": ["t:1", "t:2"], "title": ["A", "B"]}), tmp_path / "run/exhibits/p.parquet")
    return tmp_path / "run"


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT count(*) AS n FROM exhibits",
        "WITH x AS (SELECT * FROM exhibits) SELECT count(*) FROM x",
        "DESCRIBE exhibits",
        "SHOW TABLES",
        "EXPLAIN SELECT * FROM exhibits",
        "SUMMARIZE exhibits",
    ],
)
def test_reading_statements_run(run: Path, sql: str) -> None:
    columns, rows = run_query(run, sql)
    assert columns and rows


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("COPY (SELECT * FROM exhibits) TO '{out}'", "COPY statements are not allowed"),
        ("CREATE TABLE t AS SELECT * FROM exhibits", "CREATE statements are not allowed"),
        ("SELECT 1; SELECT 2", "exactly one statement, got 2"),
        ("ATTACH '{out}' AS other", "ATTACH statements are not allowed"),
        ("SET enable_external_access = true", "SET statements are not allowed"),
        ("EXPLAIN ANALYZE COPY (SELECT 1) TO '{out}'", "COPY statements are not allowed"),
        ("SELECT * FROM read_csv('{secret}')", "file system operations are disabled"),
        ("SELECT * FROM read_parquet('{run}/exhibits/../../secret.txt')", "file system operations are disabled"),
    ],
)
def test_writes_and_outside_files_are_refused(run: Path, tmp_path: Path, sql: str, message: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("a,b\n1,2\n")
    out = tmp_path / "written.csv"
    with pytest.raises(UserError, match=message):
        run_query(run, sql.format(out=out, secret=secret, run=run))
    assert not out.exists()


def test_cli_refusal_is_one_line_and_exit_2(run: Path, tmp_path: Path) -> None:
    target = tmp_path / "leak.csv"
    result = CliRunner().invoke(app, ["catalog", "query", str(run), f"COPY exhibits TO '{target}'"])
    assert result.exit_code == 2 and not target.exists()
    assert result.stderr.startswith("error: query: COPY statements are not allowed") and result.stderr.count("\n") == 1
