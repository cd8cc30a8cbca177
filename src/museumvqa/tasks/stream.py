"""The QA pairs in question order, each joined to its exhibit's columns, a bounded batch at a time.

DuckDB sorts out of core: `memory_limit` bounds its working memory and the rest spills to a folder on
disk, so the stage's memory is set by the settings and tens of bytes per exhibit (tasks/exhibit_arrays.py),
not by the size of the QA table; Python holds one batch of `batch_rows` pairs at a time. Ties in
question_id keep the file's order, as a stable sort would.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from museumvqa.errors import UserError
from museumvqa.tasks.exhibit_arrays import Exhibits
from museumvqa.tasks.views import MAIN

EXHIBIT_COLUMNS = ("image_key", "split", "museum", "continent")  # per exhibit, joined to each of its pairs


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def check_memory_limit(memory_limit: str) -> None:
    """Refuse a `memory_limit` DuckDB cannot read, before any work is done."""
    with duckdb.connect() as con:
        try:
            con.execute(f"SET memory_limit = {_quoted(memory_limit)}")
        except duckdb.Error:
            raise UserError(f"--memory-limit {memory_limit!r}: not a size; give one like 512MB or 2GB") from None


@contextmanager
def duckdb_session(work: Path, memory_limit: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB database in `work` (created) that uses `memory_limit` at most and spills beyond it there."""
    work.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(work / "work.duckdb"))
    try:
        con.execute(f"SET memory_limit = {_quoted(memory_limit)}")
        con.execute(f"SET temp_directory = {_quoted(str(work / 'spill'))}")
        con.execute("SET enable_progress_bar = false")
        yield con
    except duckdb.OutOfMemoryException:
        raise UserError(
            f"benchmarks: DuckDB ran out of its --memory-limit {memory_limit} sorting the QA pairs; raise it"
        ) from None
    finally:
        con.close()


def pairs_in_question_order(
    con: duckdb.DuckDBPyConnection, qa_path: Path, exhibits: Exhibits, schema: pa.Schema, batch_rows: int
) -> Iterator[tuple[pa.Table, np.ndarray]]:
    """The rows of `qa_path` sorted by question_id, each with its exhibit's columns (EXHIBIT_COLUMNS; null
    for an exhibit not in `exhibits`) and view `main`, as tables of `schema` of at most `batch_rows` rows,
    each with its rows' exhibit rows in `exhibits` (-1: none). DuckDB sorts, and joins each pair to its
    exhibit's row (a number); the exhibit's columns are taken from `exhibits`' arrays here."""
    qa_columns = [f.name for f in schema if f.name not in (*EXHIBIT_COLUMNS, "view")]
    select = ", ".join(f'q."{n}"' for n in qa_columns)
    con.register("qa_exhibits", pa.table({"exhibit_id": exhibits.ids, "exhibit_row": np.arange(len(exhibits.ids))}))
    query = (
        f"SELECT {select}, e.exhibit_row FROM read_parquet(?, file_row_number = true) AS q "
        "LEFT JOIN qa_exhibits AS e ON q.exhibit_id = e.exhibit_id ORDER BY q.question_id, q.file_row_number"
    )
    try:
        reader = con.sql(query, params=[str(qa_path)]).to_arrow_reader(batch_rows)
        for batch in reader:
            rows = pc.fill_null(batch.column("exhibit_row"), -1).to_numpy()
            yield _conform(batch, exhibits.columns(rows), schema), rows
    except duckdb.OutOfMemoryException:
        raise
    except duckdb.Error as e:
        raise UserError(
            f"benchmarks: reading {qa_path} failed ({str(e).splitlines()[0]}); rebuild it with `questions build`"
        ) from None
    finally:
        con.unregister("qa_exhibits")


def _conform(batch: pa.RecordBatch, exhibit: dict[str, pa.Array], schema: pa.Schema) -> pa.Table:
    """DuckDB's batch and its rows' exhibit columns as `schema`'s exact types (DuckDB's list fields and
    string kinds differ), with view `main`."""
    columns = [
        pa.repeat(pa.scalar(MAIN, field.type), batch.num_rows)
        if field.name == "view"
        else (exhibit[field.name] if field.name in EXHIBIT_COLUMNS else batch.column(field.name)).cast(field.type)
        for field in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)
