"""Atomic, resumable file writes shared by every stage."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temp path beside `path`; rename it onto `path` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@contextmanager
def atomic_dir(out: str | Path) -> Iterator[Path]:
    """A temp folder beside `out` that replaces `out` (if any) when the block succeeds, else vanishes."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    tmp.chmod(0o755)  # mkdtemp's 0700 would make the folder private to this user
    try:
        yield tmp
        old = tmp.with_suffix(".old")
        if out.exists():
            os.replace(out, old)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_parquet(table: pa.Table, path: str | Path) -> Path:
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)
    return Path(path)


def write_json(obj: Any, path: str | Path) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    return Path(path)


def write_jsonl(rows: Iterable[dict[str, Any]], path: str | Path) -> Path:
    with atomic_path(path) as tmp:
        with tmp.open("w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return Path(path)


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed value) for each non-blank line; bad JSON is a UserError naming the line."""
    from museumvqa.errors import UserError

    with Path(path).open(encoding="utf-8") as f:
        number = 0
        try:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    yield number, json.loads(line)
                except json.JSONDecodeError as e:
                    raise UserError(f"{path}:{number}: not valid JSON ({e.msg})") from None
        except UnicodeDecodeError:
            raise UserError(f"{path}:{number + 1}: not UTF-8 text; save the file as UTF-8 JSON Lines") from None


def read_parquet_dir(path: str | Path) -> pa.Table:
    """All `*.parquet` files of a folder (or one file) as one table, in file-name order."""
    path = Path(path)
    files = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
    from museumvqa.errors import UserError

    if not files or not files[0].exists():
        raise UserError(f"{path}: no Parquet files found")
    try:
        return pa.concat_tables([pq.read_table(f) for f in files])
    except (pa.ArrowException, OSError) as e:
        raise UserError(f"{path}: not readable as Parquet ({str(e).splitlines()[0]})") from None
