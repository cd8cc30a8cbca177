"""SQL over an ingested catalogue through DuckDB: views `exhibits`, `people`, `rejects` on the Parquet parts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from museumvqa.errors import UserError

TABLES = ("exhibits", "people", "rejects")


def connect(run_dir: str | Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one view per output folder that exists (files are read lazily)."""
    root = Path(run_dir)
    if not (root / "exhibits").is_dir():
        raise UserError(f"{root}: not an ingested catalogue (no exhibits/ folder); run `museumvqa ingest` first")
    con = duckdb.connect()
    for table in TABLES:
        if any((root / table).glob("*.parquet")):
            glob = str(root / table / "*.parquet").replace("'", "''")
            con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{glob}')")
    return con


def run_query(run_dir: str | Path, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and rows of `sql`; a SQL mistake is a one-line UserError."""
    con = connect(run_dir)
    try:
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
