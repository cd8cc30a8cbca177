"""Run adapters over input files: exhibits, people and rejects to Parquet, every input record accounted for."""

from __future__ import annotations

import gc
import hashlib
import json
import os
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import NamedTuple

import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from museumvqa import __version__
from museumvqa.catalog.adapters import Adapter, RawRecord, RecordRejected, detect_adapter
from museumvqa.catalog.adapters.base import DELETED_AT_SOURCE
from museumvqa.catalog.people import PeopleIndex
from museumvqa.catalog.schema import (
    EXHIBIT_SCHEMA,
    REJECT_SCHEMA,
    Exhibit,
    Person,
    exhibits_to_table,
    make_exhibit_id,
    upgrade_exhibits_table,
)
from museumvqa.errors import UserError
from museumvqa.io import write_json

MANIFEST = "catalog_manifest.json"
# Allocations between collector passes while ingesting (Python's default is 700).
_GC_THRESHOLD = 50_000
# Items converted to Arrow at a time (see _PartWriter).
_BATCH = 250
# Content errors an adapter may meet in a malformed record; they reject the record, never stop the run.
_CONTENT_ERRORS = (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError)


@dataclass
class IngestStats:
    inputs: list[dict[str, str | int]] = field(default_factory=list)
    records: int = 0
    exhibits: int = 0
    rejects: int = 0
    people: int = 0

    def check(self) -> None:
        """exhibits + rejects == input records, or the build is wrong."""
        if self.exhibits + self.rejects != self.records:
            raise AssertionError(f"ingest lost records: {self.exhibits} + {self.rejects} != {self.records}")

    def summary(self) -> str:
        return (
            f"{self.records} records = {self.exhibits} exhibits + {self.rejects} rejects "
            f"({'ok' if self.exhibits + self.rejects == self.records else 'MISMATCH'}); {self.people} people"
        )


class _PartWriter:
    """Streams items into numbered Parquet part files so memory stays flat.

    Items become Arrow columns (`to_table`) every `_BATCH` items, while they are still in the CPU
    cache (250 at a time was ~10% faster per record than 1,000, and 1,000 ~15% faster than a whole
    part) and so that only Arrow buffers, not Python objects, wait for the part to fill.
    """

    def __init__(self, folder: Path, to_table: Callable[[list], pa.Table], rows_per_part: int) -> None:
        self.folder, self.to_table, self.rows_per_part = folder, to_table, rows_per_part
        self.buffer: list = []
        self.tables: list[pa.Table] = []
        self.rows = 0
        self.parts = 0
        folder.mkdir(parents=True, exist_ok=True)

    def add(self, item: object) -> None:
        self.buffer.append(item)
        if len(self.buffer) >= min(_BATCH, self.rows_per_part - self.rows):
            self._convert()
            if self.rows >= self.rows_per_part:
                self.flush()

    def add_table(self, table: pa.Table) -> None:
        """Items already in Arrow (converted where their records were read), in the parts `add` would give."""
        while len(table):
            room = self.rows_per_part - self.rows
            self.tables.append(table.slice(0, room))
            self.rows += min(room, len(table))
            table = table.slice(room)
            if self.rows >= self.rows_per_part:
                self.flush()

    def _convert(self) -> None:
        self.tables.append(self.to_table(self.buffer))
        self.rows += len(self.buffer)
        self.buffer = []

    def flush(self) -> None:
        if self.buffer:
            self._convert()
        if not self.tables:
            if self.parts:
                return
            self._convert()  # an empty first part: readers find the folder with its schema
        table = pa.concat_tables(self.tables).combine_chunks()  # one chunk per column writes ~15% faster
        pq.write_table(table, self.folder / f"part-{self.parts:05d}.parquet")
        self.parts += 1
        self.tables, self.rows = [], 0


@contextmanager
def _collect_less() -> Iterator[None]:
    """Fewer, smaller cyclic-GC passes while records stream: a third of ingest's CPU went to the collector.

    Ingest allocates millions of short-lived, acyclic objects; by default every 700 allocations
    start a pass, and the full passes walk every object already loaded (pyarrow, pandas). Those are
    frozen out of the passes and the pass interval raised; both are restored afterwards.
    """
    threshold = gc.get_threshold()
    freeze = gc.get_freeze_count() == 0  # leave a caller's own frozen set alone
    if freeze:
        gc.freeze()
    gc.set_threshold(max(threshold[0], _GC_THRESHOLD), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        if freeze:
            gc.unfreeze()


def input_digest(path: Path) -> str:
    """sha256 of a file, or of a folder's files (relative names and contents, in name order)."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        if path.is_dir():
            digest.update(str(file.relative_to(path)).encode() + b"\0")
        with file.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


class Source(NamedTuple):
    """One input of a run: a file or folder, its adapter (None: detected) and an optional museum name override."""

    path: Path
    adapter: Adapter | None = None
    museum: str | None = None


@dataclass(frozen=True)
class RejectGuard:
    """When a run has lost too much: one reject reason over `max_share` of a file's records fails the ingest.

    A catalogue whose records are mostly rejected (a misread id, a wrong format) must not end "ok".
    Records a harvest reported deleted at the source are expected rejects and never count.
    """

    max_share: float = 0.05
    allow: bool = False

    def check(self, path: Path, records: int, reasons: Counter[str], examples: dict[str, list[str]]) -> None:
        counted = Counter({reason: n for reason, n in reasons.items() if reason != DELETED_AT_SOURCE})
        if self.allow or not counted:
            return
        reason, count = counted.most_common(1)[0]
        if count > self.max_share * records:
            raise UserError(
                f"{path}: {count} of {records} records ({count / records:.0%}) rejected for one reason: "
                f"{reason} (e.g. {'; '.join(examples[reason])}); nothing was written. Check the format/mapping, or "
                f"pass --allow-rejects (max share {self.max_share:.0%}) to keep the exhibits and inspect the rejects"
            )


ALLOW_REJECTS = RejectGuard(allow=True)  # keep whatever was readable, however much was rejected
MODES = ("new", "append", "replace")


def ingest(
    inputs: Iterable[str | Path | Source],
    out_dir: str | Path,
    adapter: Adapter | None = None,
    rows_per_part: int = 10_000,
    progress: bool = True,
    museum: str | None = None,
    mode: str = "new",
    guard: RejectGuard = RejectGuard(),
    workers: int = 1,
    ray: bool = False,
    ray_address: str | None = None,
) -> IngestStats:
    """Map every record of `inputs` to `out_dir/exhibits/` or `out_dir/rejects/` (with its reason).

    Each input is a path (its format detected, or `adapter`) or a `Source` with its own adapter and
    museum, so one run can combine catalogues of several formats and mappings. `museum` renames the
    museum of every input that does not name its own. `mode`: "new" refuses a folder that already
    holds a run, "append" adds to it (existing exhibits win over duplicates), "replace" starts over.
    Output folders are built beside the final ones and swapped in at the end, so a killed or refused
    run leaves the previous result intact and no temp folders. Duplicate ids: the first record (in
    input order) wins, later ones are rejected naming the first.

    With `workers` > 1 the inputs are read and mapped in that many processes, or as Ray tasks with `ray`
    (a local Ray) or `ray_address` (a cluster: inputs and `out_dir` on storage every node sees), one
    input per piece; this process keeps the first records and writes the same files as a run on its own.
    """
    if mode not in MODES:
        raise UserError(f"unknown ingest mode {mode!r}; known: {', '.join(MODES)}")
    if workers < 1:
        raise UserError(f"--workers {workers}: give 1 or more")
    sources = [s if isinstance(s, Source) else Source(Path(s), adapter, museum) for s in inputs]
    sources = [s._replace(path=Path(s.path), museum=s.museum or museum) for s in sources]
    out = Path(out_dir)
    _check_out(out, mode)
    parallel = _Parallel(workers, ray, ray_address)
    with _collect_less():
        return _ingest(sources, out, rows_per_part, progress, mode == "append", guard, parallel)


def has_run(out: Path) -> bool:
    """Whether `out` already holds an ingested catalogue."""
    return (out / MANIFEST).is_file() or (out / "exhibits").is_dir()


def _check_out(out: Path, mode: str) -> None:
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: is a file, not a folder; give a folder for the run")
    if mode == "new" and has_run(out):
        raise UserError(
            f"--out {out}: already holds an ingested catalogue; pass --append to add to it or --replace to start over"
        )
    if mode == "append" and out.exists() and not (out / MANIFEST).is_file() and (out / "exhibits").is_dir():
        raise UserError(f"--out {out}: has exhibits/ but no {MANIFEST}; it is not a finished run to append to")


def _ingest(
    sources: list[Source],
    out: Path,
    rows_per_part: int,
    progress: bool,
    append: bool,
    guard: RejectGuard,
    parallel: _Parallel,
) -> IngestStats:
    for source in sources:
        if not source.path.exists():
            raise UserError(f"{source.path}: no such file")
    tmp = {name: out / f".{name}.tmp" for name in ("exhibits", "rejects", "people")}
    try:
        stats = _write_parts(sources, out, tmp, rows_per_part, progress, append, guard, parallel)
        for name, folder in tmp.items():
            shutil.rmtree(out / name, ignore_errors=True)
            folder.rename(out / name)
    finally:
        for folder in tmp.values():
            shutil.rmtree(folder, ignore_errors=True)
    write_json(
        {
            "version": __version__,
            "inputs": stats.inputs,
            "records": stats.records,
            "exhibits": stats.exhibits,
            "rejects": stats.rejects,
            "people": stats.people,
        },
        out / MANIFEST,
    )
    return stats


def _write_parts(
    sources: list[Source],
    out: Path,
    tmp: dict[str, Path],
    rows_per_part: int,
    progress: bool,
    append: bool,
    guard: RejectGuard,
    parallel: _Parallel,
) -> IngestStats:
    for folder in tmp.values():
        shutil.rmtree(folder, ignore_errors=True)
    exhibits = _PartWriter(tmp["exhibits"], exhibits_to_table, rows_per_part)
    rejects = _PartWriter(tmp["rejects"], _rejects_table, rows_per_part)
    people = PeopleIndex()
    stats = IngestStats()
    seen = _FirstSeen()
    if append and (out / MANIFEST).is_file():
        _carry_over(out, exhibits, rejects, people, seen, stats)
    for source, read in zip(sources, _read_inputs(sources, progress, parallel)):
        counts = {"records": stats.records, "exhibits": stats.exhibits, "rejects": stats.rejects}
        reasons: Counter[str] = Counter()
        examples: dict[str, list[str]] = {}
        for chunk in read.chunks:
            kept: list[int] = []
            row = -1
            for item in chunk.records:
                stats.records += 1
                if isinstance(item, _Mapped):
                    row += 1
                    first = seen.first(item.exhibit_id)
                    if first is None:
                        seen.add(item.exhibit_id, item.source_path, item.position)
                        people.add(item.museum, item.people)
                        kept.append(row)
                        continue
                    duplicate = f"duplicate exhibit_id {item.exhibit_id} (first at {first})"
                    item = _reject_row(item, RecordRejected("exhibit_id", duplicate))
                stats.rejects += 1
                rejects.add(item)
                key = item["field"] or item["reason"].split(" (")[0][:80]
                reasons[key] += 1
                shown = examples.setdefault(key, [])
                if len(shown) < 2:  # the message names two; memory must not grow with the rejects
                    shown.append(f"{item['source_path']}#{item['position']}: {item['reason']}"[:300])
            stats.exhibits += len(kept)
            if len(kept) < len(chunk.exhibits):
                exhibits.add_table(chunk.exhibits.take(pa.array(kept, pa.int64())))
            else:
                exhibits.add_table(chunk.exhibits)
        guard.check(source.path, stats.records - counts["records"], reasons, examples)
        stats.inputs.append(
            {
                "path": str(source.path),
                "sha256": read.sha256 or input_digest(source.path),
                "adapter": read.adapter,
                "exhibits": stats.exhibits - counts["exhibits"],
                "rejects": stats.rejects - counts["rejects"],
            }
        )
    exhibits.flush()
    rejects.flush()
    people.write(tmp["people"])
    stats.people = len(people)
    stats.check()
    return stats


class _Mapped(NamedTuple):
    """A record mapped to an exhibit (the next row of its chunk's table): what deciding first-record-wins needs."""

    exhibit_id: str
    museum: str
    people: list[Person]
    source_path: str
    position: int
    record_id: str | None


class _Chunk(NamedTuple):
    """Consecutive records of one input, in order: each `_Mapped` (its exhibit the next row of `exhibits`)
    or rejected (its reject row)."""

    records: list[_Mapped | dict]
    exhibits: pa.Table


class _Read(NamedTuple):
    """One input read and mapped: its adapter's name, its chunks, and its sha256 (None: not computed yet)."""

    adapter: str
    chunks: Iterable[_Chunk]
    sha256: str | None


class _Parallel(NamedTuple):
    """How inputs are read: `workers` at a time, in processes or as Ray tasks (`ray`, `address`)."""

    workers: int
    ray: bool
    address: str | None


def _read_inputs(sources: list[Source], progress: bool, parallel: _Parallel) -> Iterator[_Read]:
    """Each input's records, mapped: streamed here (one input or one worker without Ray), or read whole by
    `_read_input` in parallel pieces."""
    if (parallel.workers == 1 or len(sources) == 1) and not (parallel.ray or parallel.address):
        for source in sources:
            reader = source.adapter or detect_adapter(source.path)
            yield _Read(reader.name, _chunks(source, reader, progress), None)
        return
    from museumvqa.pieces import run_pieces

    task = partial(_read_input, folder=Path.cwd())  # a relative input is relative to this process's folder
    bar = tqdm(total=len(sources), desc="ingest", unit="input", disable=not progress)
    with bar:
        for read in run_pieces(task, sources, parallel.workers, parallel.ray, parallel.address):
            bar.update()
            yield read


def _read_input(source: Source, folder: Path) -> _Read:
    """One piece of a parallel ingest: the whole input read and mapped, as one chunk, and its sha256. Runs in
    the driver's `folder`, so relative paths read and are recorded as they are in-process."""
    if not folder.is_dir() and not source.path.is_absolute():
        raise UserError(
            f"{source.path}: a relative input, and {folder} is not on this Ray node; give inputs on shared storage"
        )
    with _working_in(folder) if folder.is_dir() else nullcontext(), _collect_less():
        reader = source.adapter or detect_adapter(source.path)
        chunks = list(_chunks(source, reader, progress=False))
        sha256 = input_digest(source.path)
    records = [record for chunk in chunks for record in chunk.records]
    exhibits = pa.concat_tables(c.exhibits for c in chunks).combine_chunks()  # one chunk pickles ~30x faster
    return _Read(reader.name, [_Chunk(records, exhibits)], sha256)


@contextmanager
def _working_in(folder: Path) -> Iterator[None]:
    """`folder` as the working folder for a while (contextlib.chdir needs Python 3.11)."""
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def _chunks(source: Source, reader: Adapter, progress: bool) -> Iterator[_Chunk]:
    """The input's records mapped, `_BATCH` exhibits at a time converted to Arrow while still in the CPU cache."""
    records: list[_Mapped | dict] = []
    mapped: list[Exhibit] = []
    for record in tqdm(reader.read(source.path), desc=f"ingest {source.path.name}", unit="rec", disable=not progress):
        try:
            exhibit = _map(reader, record, source.museum)
        except RecordRejected as rejected:
            records.append(_reject_row(record, rejected))
            continue
        records.append(
            _Mapped(
                exhibit.exhibit_id, exhibit.museum, exhibit.people, record.source_path, record.position,
                record.record_id,
            )
        )
        mapped.append(exhibit)
        if len(mapped) == _BATCH:
            yield _Chunk(records, exhibits_to_table(mapped))
            records, mapped = [], []
    if records:
        yield _Chunk(records, exhibits_to_table(mapped))


class _FirstSeen:
    """Where each exhibit id was first read, packed as (file number << 40) | position to keep memory small."""

    def __init__(self) -> None:
        self.at: dict[str, int] = {}
        self.files: list[str] = []
        self._number: dict[str, int] = {}

    def add(self, exhibit_id: str, source_path: str, position: int) -> None:
        number = self._number.get(source_path)
        if number is None:
            number = self._number[source_path] = len(self.files)
            self.files.append(source_path)
        self.at[exhibit_id] = (number << 40) | position

    def first(self, exhibit_id: str) -> str | None:
        packed = self.at.get(exhibit_id)
        if packed is None:
            return None
        return f"{self.files[packed >> 40]}#{packed & ((1 << 40) - 1)}"


def _carry_over(
    out: Path, exhibits: _PartWriter, rejects: _PartWriter, people: PeopleIndex, seen: _FirstSeen, stats: IngestStats
) -> None:
    """An appended run starts from the existing one: its parts, people, ids and counts."""
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    for key in ("records", "exhibits", "rejects"):
        setattr(stats, key, int(manifest[key]))
    stats.inputs.extend(manifest["inputs"])
    for writer, name in ((exhibits, "exhibits"), (rejects, "rejects")):
        for part in sorted((out / name).glob("*.parquet")):
            target = writer.folder / f"part-{writer.parts:05d}.parquet"
            if name == "exhibits" and not pq.read_schema(part).equals(EXHIBIT_SCHEMA):
                pq.write_table(upgrade_exhibits_table(pq.read_table(part)), target)  # written before Value.uri
            else:
                shutil.copyfile(part, target)
            writer.parts += 1
    for part in sorted((out / "exhibits").glob("*.parquet")):
        pf = pq.ParquetFile(part)
        for batch in pf.iter_batches(columns=["exhibit_id", "source_path"]):
            for exhibit_id, where in zip(batch.column(0).to_pylist(), batch.column(1).to_pylist()):
                path, _, position = where.rpartition("#")
                seen.add(exhibit_id, path, int(position) if position.isdigit() else 0)
    people.load(out / "people")


def _map(adapter: Adapter, record: RawRecord, museum: str | None) -> Exhibit:
    if record.error is not None:
        raise RecordRejected(None, record.error)
    try:
        exhibit = adapter.to_exhibit(record)
    except _CONTENT_ERRORS as e:
        raise RecordRejected(None, f"unexpected content ({type(e).__name__}: {e})"[:500]) from None
    if museum is not None and museum != exhibit.museum:
        local = exhibit.exhibit_id.removeprefix(f"{exhibit.museum}:")
        exhibit.museum, exhibit.exhibit_id = museum, make_exhibit_id(museum, local)
    return exhibit


def _reject_row(record: RawRecord | _Mapped, rejected: RecordRejected) -> dict:
    return {
        "source_path": record.source_path,
        "position": record.position,
        "record_id": (record.record_id or "")[:200] or None,
        "field": rejected.field,
        "reason": rejected.reason,
    }


def _rejects_table(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=REJECT_SCHEMA)
