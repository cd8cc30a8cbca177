"""Work units of a shard build: a run of consecutive exhibits that becomes one tar shard.

A unit is described by (file, first row, stop row), a few bytes, so a planner can hand millions of
them to threads, processes or Ray tasks. `run_unit` is the whole job of a worker: read its exhibits,
fetch and process their images, write `shard-NNNNNN.tar` then its ledger part. This module imports
no torch (webdataset's writer would), so worker processes start fast. Units are independent and
deterministic, so any executor, in any order, with any number of kills and resumes, writes the same
files.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from PIL import Image

from museumvqa.catalog.schema import IMAGE_ROLES, ImageRef
from museumvqa.errors import UserError
from museumvqa.images import ledger
from museumvqa.images.fetch import Fetcher, FetchSettings
from museumvqa.images.keys import sample_key
from museumvqa.images.phash import phash
from museumvqa.images.process import (
    DEFAULT_MAX_PIXELS,
    PROCESSING_VERSION,
    RESIZE_MODES,
    ImageError,
    encode_jpeg,
    load_image,
    resize,
)
from museumvqa.images.sources import fetch_source
from museumvqa.images.views import generated_views
from museumvqa.io import atomic_path

SHARD_NAME = "shard-{:06d}.tar"
_COLUMNS = ["exhibit_id", "images"]


@dataclass(frozen=True)
class BuildSettings:
    """Everything that decides a build's output (`output_settings`) plus how to fetch and how many threads."""

    image_size: int = 384
    per_shard: int = 1000
    roles: tuple[str, ...] = ("primary",)
    quality: int = 90
    max_pixels: int = DEFAULT_MAX_PIXELS
    image_root: str | None = None
    resize_mode: str = "keep"
    generated_views: int = 0
    threads: int = 8
    fetch: FetchSettings = field(default_factory=FetchSettings)

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
        if self.resize_mode not in RESIZE_MODES:
            raise UserError(f"resize mode must be one of {', '.join(RESIZE_MODES)}, got {self.resize_mode!r}")
        if self.generated_views < 0 or self.threads < 1:
            raise UserError("generated views must be >= 0 and threads >= 1")

    def output_settings(self) -> dict[str, Any]:
        """The settings a finished unit depends on; a change invalidates every finished unit."""
        keep = ("image_size", "per_shard", "quality", "max_pixels", "image_root", "resize_mode", "generated_views")
        return {**{k: getattr(self, k) for k in keep}, "roles": list(self.roles), "processing": PROCESSING_VERSION}


@dataclass(frozen=True)
class Unit:
    """Rows [start, stop) of one exhibits file; `signature` hashes the image references they hold."""

    number: int
    file: str
    start: int
    stop: int
    signature: str


@dataclass(frozen=True)
class _Item:
    exhibit_id: str
    position: int
    ref: ImageRef
    single_photo: bool


def plan_units(files: list[Path], roles: tuple[str, ...], per_shard: int) -> Iterator[Unit]:
    """Cut the exhibits into units of about `per_shard` selected images (an exhibit is never split)."""
    number = 0
    for file in files:
        row, start, count, digest = 0, 0, 0, hashlib.sha256()
        for batch in pq.ParquetFile(file).iter_batches(batch_size=4096, columns=_COLUMNS):
            for exhibit in batch.to_pylist():
                row += 1
                items = _items(exhibit["exhibit_id"], exhibit["images"], roles)
                count += len(items)
                digest.update(_item_text(items).encode("utf-8"))
                if count >= per_shard:
                    yield Unit(number, str(file), start, row, digest.hexdigest())
                    number, start, count, digest = number + 1, row, 0, hashlib.sha256()
        if row > start:
            yield Unit(number, str(file), start, row, digest.hexdigest())
            number += 1


def _items(exhibit_id: str, images: list[dict[str, Any]] | None, roles: tuple[str, ...]) -> list[_Item]:
    refs = [ImageRef(**image) for image in images or []]
    return [_Item(exhibit_id, n, ref, len(refs) == 1) for n, ref in enumerate(refs) if ref.role in roles]


def _item_text(items: list[_Item]) -> str:
    return "".join(json.dumps([i.exhibit_id, i.position, i.ref._asdict()]) + "\n" for i in items)


def _unit_items(unit: Unit, roles: tuple[str, ...]) -> list[_Item]:
    """Read back only the row groups that hold the unit's rows."""
    parquet = pq.ParquetFile(unit.file)
    groups, first, offset = [], None, 0
    for g in range(parquet.num_row_groups):
        rows = parquet.metadata.row_group(g).num_rows
        if offset < unit.stop and offset + rows > unit.start:
            groups.append(g)
            first = offset if first is None else first
        offset += rows
    table = parquet.read_row_groups(groups, columns=_COLUMNS).slice(unit.start - (first or 0), unit.stop - unit.start)
    return [item for row in table.to_pylist() for item in _items(row["exhibit_id"], row["images"], roles)]


@lru_cache(maxsize=4)
def _fetcher(settings: FetchSettings) -> Fetcher:
    """One fetcher per process and policy, so the per-host bound spans all of a worker's units."""
    return Fetcher(settings)


def forget_hosts() -> None:
    """A new build starts with this process's hosts unknown: no open circuit carried over from an earlier build."""
    _fetcher.cache_clear()


def run_unit(unit: Unit, out: Path, settings: BuildSettings, retry_failed: bool = False) -> int:
    """Build the unit's shard and ledger part; returns the number of images it stored."""
    out = Path(out)
    items = _unit_items(unit, settings.roles)
    reuse: dict[str, list[tuple[dict[str, Any], bytes]]] = {}
    attempts: dict[str, int] = {}
    if retry_failed and ledger.part_signature(out, unit.number) == unit.signature:
        reuse, attempts = _previous(out, unit.number)
    todo = [item for item in items if _item_key(item) not in reuse]
    fetcher = _fetcher(settings.fetch)
    with ThreadPoolExecutor(settings.threads) as pool:
        fresh = dict(zip(map(_item_key, todo), pool.map(lambda i: _process_item(i, settings, fetcher), todo)))
    produced = [
        reuse[key]
        if key in reuse
        else [(dict(row, attempt=attempts.get(key, 0) + 1), data) for row, data in fresh[key]]
        for key in map(_item_key, items)
    ]
    rows = [pair for per_item in produced for pair in per_item]
    shard = SHARD_NAME.format(unit.number)
    stored = [(row, data) for row, data in rows if row["status"] == ledger.OK]
    if stored:
        with atomic_path(out / shard) as tmp, tarfile.open(tmp, "w", format=tarfile.USTAR_FORMAT) as tar:
            for row, data in stored:
                _add_member(tar, f"{row['key']}.jpg", data)
                _add_member(tar, f"{row['key']}.json", _meta_json(row))
    else:
        (out / shard).unlink(missing_ok=True)
    ledger.write_part(
        out,
        unit.number,
        [dict(row, shard=shard if row["status"] == ledger.OK else None) for row, _ in rows],
        unit.signature,
    )
    return len(stored)


def _add_member(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    """A member with fixed owner, mode and time, so equal samples give byte-equal shards."""
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), 0, 0o444
    tar.addfile(info, io.BytesIO(data))


def _item_key(item: _Item) -> str:
    return sample_key(item.exhibit_id, item.position)


def _previous(out: Path, number: int) -> tuple[dict[str, list[tuple[dict[str, Any], bytes]]], dict[str, int]]:
    """Items of a finished unit that succeeded (with their stored JPEGs) and every item's attempt count."""
    rows = ledger.read_part(out, number)
    attempts = {row["item"]: row["attempt"] for row in rows}
    failed = {row["item"] for row in rows if row["status"] != ledger.OK}
    kept = [row for row in rows if row["item"] not in failed]
    jpegs: dict[str, bytes] = {}
    if kept:
        with tarfile.open(out / SHARD_NAME.format(number)) as tar:
            for member in tar:
                name, _, ext = member.name.partition(".")
                if ext == "jpg":
                    jpegs[name] = tar.extractfile(member).read()  # type: ignore[union-attr]
    reuse: dict[str, list[tuple[dict[str, Any], bytes]]] = {}
    for row in kept:
        reuse.setdefault(row["item"], []).append((row, jpegs[row["key"]]))
    return reuse, attempts


def _process_item(item: _Item, settings: BuildSettings, fetcher: Fetcher) -> list[tuple[dict[str, Any], bytes]]:
    """Every sample one image reference yields, or one failed row with the reason."""
    base = _item_key(item)
    root = Path(settings.image_root) if settings.image_root else None
    try:
        sources = fetch_source(item.ref.uri, size=settings.image_size, fetcher=fetcher, root=root)
    except ImageError as e:
        return [(_row(item, base, item.ref.role, item.ref.view, None, reason=e.reason), b"")]
    results = []
    for n, source in enumerate(sources):
        key = base if n == 0 else sample_key(item.exhibit_id, item.position, f"c{n}")
        role = item.ref.role if n == 0 else "additional"
        view = (item.ref.view if n == 0 else None) or source.label
        try:
            img = resize(
                load_image(
                    source.data, size=settings.image_size, mode=settings.resize_mode, max_pixels=settings.max_pixels
                ),
                settings.image_size,
                settings.resize_mode,
            )
        except ImageError as e:
            results.append((_row(item, key, role, view, source.url, reason=e.reason, size=len(source.data)), b""))
            continue
        results.append(_ok(item, key, role, view, source.url, len(source.data), img, settings.quality, False))
        if settings.generated_views and item.single_photo and len(sources) == 1:
            for g, (label, picture) in enumerate(generated_views(img, settings.generated_views, key)):
                gkey = sample_key(item.exhibit_id, item.position, f"g{g}")
                results.append(_ok(item, gkey, "additional", label, source.url, None, picture, settings.quality, True))
    return results


def _ok(
    item: _Item,
    key: str,
    role: str,
    view: str | None,
    url: str,
    size: int | None,
    img: Image.Image,
    quality: int,
    generated: bool,
) -> tuple[dict[str, Any], bytes]:
    jpeg = encode_jpeg(img, quality)
    row = _row(item, key, role, view, url, size=size, generated=generated)
    row.update(
        status=ledger.OK,
        reason=None,
        sha256=hashlib.sha256(jpeg).hexdigest(),
        phash=phash(img),
        width=img.width,
        height=img.height,
    )
    return row, jpeg


def _row(
    item: _Item,
    key: str,
    role: str,
    view: str | None,
    url: str | None,
    *,
    reason: str | None = None,
    size: int | None = None,
    generated: bool = False,
) -> dict[str, Any]:
    return {
        "item": _item_key(item),
        "key": key,
        "exhibit_id": item.exhibit_id,
        "role": role,
        "view": view,
        "uri": item.ref.uri,
        "url": url,
        "status": ledger.FAILED,
        "reason": reason,
        "bytes": size,
        "generated": generated,
    }


META_FIELDS = ("key", "exhibit_id", "role", "view", "uri", "width", "height", "generated")


def _meta_json(row: dict[str, Any]) -> bytes:
    return json.dumps({k: row[k] for k in META_FIELDS}, ensure_ascii=False, sort_keys=True).encode("utf-8")
