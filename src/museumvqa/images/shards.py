"""Exhibits folder -> WebDataset tar shards of resized JPEGs, a Parquet index and a rejects table.

Streams: exhibits are read batch by batch and each shard, the index and the rejects are written as
they fill, so memory does not grow with the collection. Every image of a selected role ends up in
exactly one of `index.parquet` or `rejects.parquet`. Output is deterministic (fixed tar mtimes,
input order kept), and `manifest.json`, written last, marks a complete build.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from itertools import chain, islice
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tqdm import tqdm
from webdataset import TarWriter

from museumvqa.catalog.schema import IMAGE_ROLES, ImageRef
from museumvqa.errors import UserError
from museumvqa.images.keys import sample_key
from museumvqa.images.process import DEFAULT_MAX_PIXELS, ImageError, process_image
from museumvqa.io import atomic_path, write_json

INDEX_NAME = "index.parquet"
REJECTS_NAME = "rejects.parquet"
MANIFEST_NAME = "manifest.json"
SHARD_NAME = "shard-{:06d}.tar"
_SHARD_FILE = re.compile(r"shard-\d{6}\.tar")
_URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
REMOTE_REASON = "remote image: downloading is not in this build yet"

INDEX_SCHEMA = pa.schema(
    [
        ("key", pa.string()),
        ("shard", pa.string()),
        ("exhibit_id", pa.string()),
        ("role", pa.string()),
        ("view", pa.string()),
        ("uri", pa.string()),
        ("width", pa.int32()),
        ("height", pa.int32()),
        ("sha256", pa.string()),
    ]
)
REJECTS_SCHEMA = pa.schema(
    [("exhibit_id", pa.string()), ("uri", pa.string()), ("role", pa.string()), ("reason", pa.string())]
)


@dataclass
class ShardStats:
    """What a build did; `images_ok + rejected == images_considered` always."""

    exhibits: int = 0
    images_considered: int = 0
    images_ok: int = 0
    rejected: int = 0
    shards: int = 0
    reject_reasons: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Settings:
    image_size: int
    per_shard: int
    roles: tuple[str, ...]
    quality: int
    max_pixels: int
    image_root: Path | None

    def check(self) -> None:
        if self.image_size < 1:
            raise UserError(f"image size must be at least 1 pixel, got {self.image_size}")
        if self.per_shard < 1:
            raise UserError(f"images per shard must be at least 1, got {self.per_shard}")
        if not 1 <= self.quality <= 100:
            raise UserError(f"JPEG quality must be 1..100, got {self.quality}")
        if self.max_pixels < 1:
            raise UserError(f"max pixels must be at least 1, got {self.max_pixels}")
        if not self.roles or any(r not in IMAGE_ROLES for r in self.roles):
            raise UserError(
                f"image roles must be some of {', '.join(IMAGE_ROLES)}; got {', '.join(self.roles) or 'none'}"
            )

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "roles": list(self.roles), "image_root": self.image_root and str(self.image_root)}


@dataclass(frozen=True)
class _Prepared:
    key: str
    exhibit_id: str
    ref: ImageRef
    jpeg: bytes
    size: tuple[int, int]


def build_shards(
    exhibits_dir: str | Path,
    out_dir: str | Path,
    image_size: int = 384,
    per_shard: int = 1000,
    roles: tuple[str, ...] = ("primary",),
    quality: int = 90,
    progress: bool = True,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    image_root: str | Path | None = None,
) -> ShardStats:
    """Write `shard-NNNNNN.tar`, `index.parquet`, `rejects.parquet` and `manifest.json` into `out_dir`.

    Relative image paths are resolved against `image_root` (default: the working directory).
    """
    root = Path(image_root) if image_root is not None else None
    settings = _Settings(image_size, per_shard, tuple(roles), quality, max_pixels, root)
    settings.check()
    files = _exhibit_files(Path(exhibits_dir))
    total = _count_unique_exhibits(Path(exhibits_dir), files)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name in (MANIFEST_NAME, INDEX_NAME, REJECTS_NAME):  # a failed rebuild must not look complete
        (out / name).unlink(missing_ok=True)

    stats = ShardStats()
    reasons: Counter[str] = Counter()
    written: list[str] = []
    with ExitStack() as stack:
        index = stack.enter_context(_TableWriter(out / INDEX_NAME, INDEX_SCHEMA))
        rejects = stack.enter_context(_TableWriter(out / REJECTS_NAME, REJECTS_SCHEMA))
        bar = stack.enter_context(tqdm(total=total, unit="exhibit", desc="shards", disable=not progress))

        def on_reject(exhibit_id: str, ref: ImageRef, reason: str) -> None:
            rejects.add({"exhibit_id": exhibit_id, "uri": ref.uri, "role": ref.role, "reason": reason})
            reasons[reason.split(":")[0]] += 1

        samples = _prepared(files, settings, stats, on_reject, bar)
        for first in samples:
            name = SHARD_NAME.format(len(written))
            with atomic_path(out / name) as tmp, tmp.open("wb") as f, TarWriter(f, encoder=False, mtime=0) as tar:
                for sample in chain([first], islice(samples, per_shard - 1)):
                    _write_sample(tar, sample)
                    index.add(_index_row(sample, name))
            written.append(name)

    stats.images_ok = index.rows
    stats.rejected = rejects.rows
    stats.shards = len(written)
    stats.reject_reasons = dict(sorted(reasons.items()))
    assert stats.images_ok + stats.rejected == stats.images_considered, stats
    for stale in out.glob("shard-*.tar"):
        if _SHARD_FILE.fullmatch(stale.name) and stale.name not in written:
            stale.unlink()
    write_json({"counts": asdict(stats), "settings": settings.as_json()}, out / MANIFEST_NAME)
    return stats


def _exhibit_files(path: Path) -> list[Path]:
    files = sorted(path.glob("*.parquet")) if path.is_dir() else [path] if path.is_file() else []
    if not files:
        raise UserError(f"{path}: no Parquet files found")
    for file in files:
        names = pq.read_schema(file).names
        for column in ("exhibit_id", "images"):
            if column not in names:
                raise UserError(f"{file}: not an exhibits table (no '{column}' column)")
    return files


def _count_unique_exhibits(path: Path, files: list[Path]) -> int:
    """Number of exhibits; duplicate or missing ids would give clashing sample keys, so refuse them."""
    ids = pa.chunked_array(
        [chunk for f in files for chunk in pq.read_table(f, columns=["exhibit_id"]).column(0).chunks],
        type=pa.string(),
    )
    if ids.null_count:
        raise UserError(f"{path}: {ids.null_count} exhibits have no exhibit_id")
    counts = pc.value_counts(ids)
    repeated = counts.filter(pc.greater(counts.field("counts"), 1))
    if len(repeated):
        first = repeated[0]
        raise UserError(
            f"{path}: exhibit_id {first['values'].as_py()!r} occurs {first['counts'].as_py()} times; ids must be unique"
        )
    return len(ids)


def _iter_exhibits(files: list[Path]) -> Iterator[tuple[str, list[ImageRef]]]:
    for file in files:
        for batch in pq.ParquetFile(file).iter_batches(batch_size=1024, columns=["exhibit_id", "images"]):
            for row in batch.to_pylist():
                yield row["exhibit_id"], [ImageRef(**image) for image in row["images"] or []]


def _prepared(
    files: list[Path],
    settings: _Settings,
    stats: ShardStats,
    on_reject: Callable[[str, ImageRef, str], None],
    bar: tqdm,
) -> Iterator[_Prepared]:
    """Usable images in input order; counts every exhibit and image, reports each unusable one."""
    for exhibit_id, images in _iter_exhibits(files):
        stats.exhibits += 1
        for position, ref in enumerate(images):
            if ref.role not in settings.roles:
                continue
            stats.images_considered += 1
            try:
                jpeg, dims = process_image(
                    local_path(ref.uri, settings.image_root),
                    size=settings.image_size,
                    quality=settings.quality,
                    max_pixels=settings.max_pixels,
                )
            except ImageError as e:
                on_reject(exhibit_id, ref, e.reason)
                continue
            yield _Prepared(sample_key(exhibit_id, position), exhibit_id, ref, jpeg, dims)
        bar.update(1)


def local_path(uri: str, root: Path | None = None) -> Path:
    """The file a URI names: plain paths and `file://` URIs; anything remote is an ImageError."""
    if uri.lower().startswith("file:"):
        parts = urlsplit(uri)
        if parts.netloc not in ("", "localhost"):
            raise ImageError(REMOTE_REASON)
        return Path(url2pathname(parts.path))
    if _URL_SCHEME.match(uri):
        raise ImageError(REMOTE_REASON)
    path = Path(uri)
    return root / path if root is not None and not path.is_absolute() else path


def _meta(sample: _Prepared) -> dict[str, Any]:
    return {
        "key": sample.key,
        "exhibit_id": sample.exhibit_id,
        "role": sample.ref.role,
        "view": sample.ref.view,
        "uri": sample.ref.uri,
        "width": sample.size[0],
        "height": sample.size[1],
    }


def _write_sample(tar: TarWriter, sample: _Prepared) -> None:
    meta = json.dumps(_meta(sample), ensure_ascii=False, sort_keys=True).encode("utf-8")
    tar.write({"__key__": sample.key, "jpg": sample.jpeg, "json": meta})


def _index_row(sample: _Prepared, shard: str) -> dict[str, Any]:
    return {**_meta(sample), "shard": shard, "sha256": hashlib.sha256(sample.jpeg).hexdigest()}


class _TableWriter:
    """A Parquet file filled row by row in fixed-size row groups; renamed into place only on success."""

    def __init__(self, path: Path, schema: pa.Schema, rows_per_group: int = 65_536) -> None:
        self.path, self.schema, self.rows_per_group = path, schema, rows_per_group
        self.rows = 0
        self._pending: list[dict[str, Any]] = []
        self._stack = ExitStack()

    def __enter__(self) -> _TableWriter:
        tmp = self._stack.enter_context(atomic_path(self.path))
        self._writer = self._stack.enter_context(pq.ParquetWriter(tmp, self.schema))
        return self

    def add(self, row: dict[str, Any]) -> None:
        self._pending.append(row)
        self.rows += 1
        if len(self._pending) >= self.rows_per_group:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._writer.write_table(pa.Table.from_pylist(self._pending, schema=self.schema))
            self._pending = []

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        if exc_type is None:
            self._flush()
        return self._stack.__exit__(exc_type, exc, tb)
