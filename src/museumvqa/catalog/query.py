"""Read-only SQL over an ingested catalogue through DuckDB: views `exhibits`, `people`, `rejects`.

A query may only read. DuckDB cannot open an in-memory database read-only, so three guards stand in
for it: exactly one statement, of a reading kind (SELECT, WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE,
EXPLAIN of one of those); file access limited to the catalogue's own folders; and a locked configuration,
so a query cannot lift the limit. `COPY ... TO`, `CREATE`, `ATTACH`, `INSTALL`, `SET` are refused.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb

from museumvqa.errors import UserError

TABLES = ("exhibits", "people", "rejects")
_READING = {duckdb.StatementType.SELECT}
_EXPLAIN = re.compile(r"\s*explain(?:\s+analyze)?\s+", re.IGNORECASE)


def connect(run_dir: str | Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one view per output folder that exists, able to read only those folders."""
    root = Path(run_dir)
    if not (root / "exhibits").is_dir():
        raise UserError(f"{root}: not an ingested catalogue (no exhibits/ folder); run `museumvqa ingest` first")
    folders = [root.resolve() / table for table in TABLES if any((root / table).glob("*.parquet"))]
    con = duckdb.connect()
    allowed = ", ".join(_literal(f"{folder}/") for folder in folders)
    con.execute(f"SET allowed_directories = [{allowed}]")
    con.execute("SET enable_external_access = false")
    for folder in folders:
        con.execute(f"CREATE VIEW {folder.name} AS SELECT * FROM read_parquet({_literal(str(folder / '*.parquet'))})")
    con.execute("SET lock_configuration = true")
    return con


def check_read_only(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """UserError unless `sql` is one statement that only reads."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as e:
        raise UserError(f"query failed: {str(e).splitlines()[0]}") from None
    if len(statements) != 1:
        raise UserError(f"query: give exactly one statement, got {len(statements)}")
    statement = statements[0]
    if statement.type == duckdb.StatementType.EXPLAIN:
        check_read_only(con, _EXPLAIN.sub("", statement.query, count=1))
        return
    if statement.type not in _READING:
        kind = statement.type.name
        raise UserError(
            f"query: {kind} statements are not allowed; `catalog query` only reads "
            "(SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN)"
        )


def run_query(run_dir: str | Path, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and rows of a reading `sql`; a SQL mistake or a write is a one-line UserError."""
    con = connect(run_dir)
    try:
        check_read_only(con, sql)
        result = con.execute(sql)
        columns = [d[0] for d in result.description or []]
        return columns, result.fetchall()
    except duckdb.Error as e:
        raise UserError(f"query failed: {str(e).splitlines()[0]}") from None
    finally:
        con.close()


def format_rows(columns: list[str], rows: list[tuple[Any, ...]]) -> str:
    """Tab-separated text with a header line (pipes into cut/sort/spreadsheets)."""
    lines = ["\t".join(columns)]
    lines.extend("\t".join("" if v is None else str(v) for v in row) for row in rows)
    return "\n".join(lines)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
