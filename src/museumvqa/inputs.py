"""Checks of a command's paths before any work is done (and before torch loads).

Each check fails with a one-line UserError that names the path, says what is wrong with it and what
to give instead, so a wrong folder or a file where a folder belongs costs a second, not a traceback
after minutes of work. Only pyarrow is imported here: reading a Parquet footer is cheap.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from museumvqa.errors import UserError


def output_folder(path: Path, option: str = "--out") -> Path:
    """`path` as a folder that can be created or reused: not a file, nor inside one."""
    if path.exists() and not path.is_dir():
        raise UserError(f"{option} {path}: is an existing file, not a folder; give a folder path")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise UserError(f"{option} {path}: {parent} is a file, not a folder; give a folder path")
            break
    return path


def input_file(path: Path, option: str, what: str) -> Path:
    """`path` as an existing file (`what` says which kind, for the message)."""
    if not path.exists():
        raise UserError(f"{option} {path}: no such file; give {what}")
    if not path.is_file():
        raise UserError(f"{option} {path}: is a folder; give {what}")
    return path


def input_folder(path: Path, option: str, what: str) -> Path:
    """`path` as an existing folder (`what` says which kind, for the message)."""
    if not path.exists():
        raise UserError(f"{option} {path}: no such folder; give {what}")
    if not path.is_dir():
        raise UserError(f"{option} {path}: is a file; give {what}")
    return path


def parquet_schema(path: Path, what: str) -> pa.Schema:
    """The schema of a Parquet file; a file that is not Parquet (or is cut short) is a UserError."""
    try:
        return pq.read_schema(path)
    except (pa.ArrowException, OSError) as e:
        raise UserError(f"{path}: not a readable Parquet file ({str(e).splitlines()[0]}); give {what}") from None


def require_columns(path: Path, columns: Iterable[str], what: str) -> None:
    """UserError unless the Parquet file (or every Parquet file of the folder) has `columns`."""
    files = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
    if not files:
        raise UserError(f"{path}: no Parquet files found; give {what}")
    for file in files:
        names = set(parquet_schema(file, what).names)
        missing = [c for c in columns if c not in names]
        if missing:
            raise UserError(f"{file}: not {what} (no {', '.join(repr(c) for c in missing)} column); give {what}")


def run_folder(path: Path, option: str, parts: Iterable[str]) -> Path:
    """A run folder holding each of `parts` (e.g. exhibits/ and shards/) as a subfolder."""
    missing = [part for part in parts if not (path / part).is_dir()]
    if missing:
        raise UserError(
            f"{option} {path}: not a run folder (no {', '.join(f'{m}/' for m in missing)}); "
            "give the folder `museumvqa demo --out` or the stages wrote, e.g. runs/demo"
        )
    return path


def free_port(host: str, port: int) -> None:
    """UserError if `port` on `host` cannot be bound now (in use, or not this machine's address)."""
    import socket

    try:
        with socket.create_server((host, port)):
            pass
    except OSError as e:
        raise UserError(f"--host {host} --port {port}: cannot listen there ({e.strerror}); choose another --port") from None


def training_inputs(train_table: Path, val_table: Path | None, shards_dir: Path, out: Path) -> None:
    """The paths of `train` and `experiment`: QA tables with images, a shards folder, an output folder."""
    for table, option, example in ((train_table, "--train", "train"), (val_table, "--val", "val")):
        if table is not None:
            what = f"a QA table with images, such as benchmarks/{example}.parquet"
            require_columns(input_file(table, option, what), ("question", "answers", "image_key"), what)
    input_folder(shards_dir, "--shards", "the folder that `shards` wrote")
    output_folder(out)
