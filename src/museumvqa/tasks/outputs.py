"""What `benchmarks` writes: leaks, split, train/val (and the QA pairs without an image), one table per
task set, and the facts the manifest records about each set.

The QA pairs stream through (tasks/stream.py): each output file is written as batches arrive, into a
staging folder whose files move into place only when the whole build succeeded, and what the manifest
says of a task set is gathered in DuckDB, so no output is ever held in memory whole.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from museumvqa.io import write_parquet
from museumvqa.tasks.exhibit_arrays import Exhibits
from museumvqa.tasks.leaks import Leaks
from museumvqa.tasks.registry import Row, Task, Views

HASH_FIELDS = ("question_id", "question", "answers", "image_key", "view")
ITEM_SCHEMA = pa.schema([("item", pa.string())])


def hash_item(row: Row) -> str:
    """A row's part of its task's version: the version changes when any asked question, gold answer or
    image changes, not with row order (the parts are hashed sorted)."""
    return repr([row[f] for f in HASH_FIELDS])


@contextmanager
def staged(out: Path) -> Iterator[Path]:
    """A hidden folder inside `out` whose Parquet files move into `out` when the block succeeds; it is
    removed either way, so a refused build leaves no output behind. Stage folders of a build killed
    outright (SIGKILL, power loss) are removed by the next build in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob(".benchmarks-*"):
        shutil.rmtree(stale, ignore_errors=True)
    stage = Path(tempfile.mkdtemp(prefix=".benchmarks-", dir=out))
    try:
        yield stage
        for file in sorted(stage.glob("*.parquet")):
            os.replace(file, out / file.name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


class PartWriter:
    """One Parquet file written as tables arrive, `group_rows` rows per row group: memory holds one group."""

    def __init__(self, path: Path, schema: pa.Schema, group_rows: int) -> None:
        self.writer = pq.ParquetWriter(path, schema)
        self.group_rows = group_rows
        self.pending: list[pa.Table] = []
        self.buffered = 0
        self.rows = 0

    def write(self, table: pa.Table) -> None:
        if not table.num_rows:
            return
        self.pending.append(table)
        self.buffered += table.num_rows
        self.rows += table.num_rows
        if self.buffered >= self.group_rows:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            self.writer.write_table(pa.concat_tables(self.pending), row_group_size=self.group_rows)
            self.pending, self.buffered = [], 0

    def close(self) -> int:
        """Finish the file; returns its rows."""
        self._flush()
        self.writer.close()
        return self.rows


def write_leaks(leaks: Leaks, out: Path) -> None:
    """leaks.parquet: one row per near-duplicate pair, with both exhibits, the other image's split and the
    keypoint matches that tie them (tasks/leaks.py: more is surer)."""
    pairs, key_exhibit = leaks.pairs, leaks.key_exhibit
    table = pa.table(
        {
            "test_key": [t for t, _, _ in pairs],
            "test_exhibit": [key_exhibit[t] for t, _, _ in pairs],
            "other_key": [o for _, o, _ in pairs],
            "other_exhibit": [key_exhibit[o] for _, o, _ in pairs],
            "other_split": [leaks.key_split[o] for _, o, _ in pairs],
            "matches": pa.array([m for _, _, m in pairs], pa.int32()),
        }
    )
    write_parquet(table, out / "leaks.parquet")


def write_split(exhibits: Exhibits, leaked: set[str], out: Path) -> None:
    """split.parquet: each exhibit with an image, its split and museum, and whether it was removed as a leak."""
    rows = exhibits.with_images()
    ids = exhibits.ids.take(pa.array(rows))
    table = pa.table(
        {
            "exhibit_id": ids,
            "split": exhibits.split.take(rows),
            "museum": exhibits.museum.take(rows),
            "removed_as_leak": pc.is_in(ids, value_set=pa.array(sorted(leaked), pa.string())),
        }
    )
    write_parquet(table, out / "split.parquet")


class TrainingSplits:
    """no_image, train and val parquets, fed batch by batch (train/val in `languages` only, when given)."""

    def __init__(self, stage: Path, schema: pa.Schema, group_rows: int, languages: Sequence[str] | None) -> None:
        self.writers = {name: PartWriter(stage / f"{name}.parquet", schema, group_rows) for name in ("no_image", "train", "val")}
        self.kept = pa.array(sorted(languages), pa.string()) if languages else None
        self.other = {"train": 0, "val": 0}

    def add(self, batch: pa.Table) -> None:
        """Route a batch of pairs (with image_key and split) to the files; test pairs go to the task sets."""
        self.writers["no_image"].write(batch.filter(pc.is_null(batch["image_key"])))
        for name in ("train", "val"):
            part = batch.filter(pc.equal(batch["split"], name))
            if self.kept is not None:
                inside = pc.is_in(part["language"], value_set=self.kept)
                self.other[name] += part.num_rows - (pc.sum(inside).as_py() or 0)
                part = part.filter(inside)
            self.writers[name].write(part)

    def close(self) -> dict[str, int]:
        """Finish the files; returns their counts and the train/val pairs of other languages left out."""
        counts = {"no_image": self.writers["no_image"].close()}
        for name in ("train", "val"):
            if self.kept is not None:
                counts[f"{name}_other_languages"] = self.other[name]
            counts[name] = self.writers[name].close()
        return counts


class TaskSets:
    """One parquet per task set (a `task` column added), built a batch of test rows at a time, and beside
    each (in `work`) its rows' hash items; once the files are closed, DuckDB (`con`) reads what the
    manifest says of each set from them, so the sort that feeds the rows never shares its memory."""

    def __init__(
        self, tasks: Sequence[Task], stage: Path, work: Path, schema: pa.Schema, group_rows: int
    ) -> None:
        self.tasks, self.group_rows = tasks, group_rows
        self.schema = pa.schema([*schema, pa.field("task", pa.string())])
        self.paths = {t.name: (stage / f"{t.name}.parquet", work / f"{t.name}.items.parquet") for t in tasks}
        self.writers = {
            name: (PartWriter(rows, self.schema, group_rows), PartWriter(items, ITEM_SCHEMA, group_rows))
            for name, (rows, items) in self.paths.items()
        }

    def add(self, test: list[Row], views: Views) -> None:
        """Ask each task set's questions of these test rows (each on its main view)."""
        for task in self.tasks:
            rows = [{**r, "task": task.name} for r in task.build(test, views)]
            if rows:
                writer, items = self.writers[task.name]
                writer.write(pa.Table.from_pylist(rows, self.schema))
                items.write(pa.table([[hash_item(r) for r in rows]], schema=ITEM_SCHEMA))

    def close(self) -> dict[str, int]:
        """Finish the files; returns each set's rows."""
        counts = {}
        for name, (writer, items) in self.writers.items():
            counts[name] = writer.close()
            items.close()
        return counts

    def info(self, con: duckdb.DuckDBPyConnection, name: str, empty_reason: str | None) -> dict[str, Any]:
        """What the manifest says of one task set: sizes, languages, views, its version, why it is empty."""
        rows_path, items_path = (str(p) for p in self.paths[name])
        rows, questions, exhibits = con.execute(
            "SELECT count(*), count(DISTINCT question_id), count(DISTINCT exhibit_id) FROM read_parquet(?)", [rows_path]
        ).fetchone()
        languages = sorted(v for (v,) in con.execute("SELECT DISTINCT language FROM read_parquet(?)", [rows_path]).fetchall())
        views = dict(sorted(con.execute("SELECT view, count(*) FROM read_parquet(?) GROUP BY view", [rows_path]).fetchall()))
        digest = hashlib.sha256()
        sorted_items = con.sql("SELECT item FROM read_parquet(?) ORDER BY item", params=[items_path])
        for batch in sorted_items.to_arrow_reader(self.group_rows):
            for item in batch.column(0).to_pylist():
                digest.update(item.encode())
        return {
            "rows": rows,
            "questions": questions,
            "exhibits": exhibits,
            "languages": languages,
            "views": views,
            "content_hash": digest.hexdigest()[:16],
            "empty_reason": empty_reason,
        }
