"""Read samples back from a shard folder, one tar at a time, in the order they were built.

The index says which shard holds which key, so asking for a few keys opens only their shards.
"""

from __future__ import annotations

import json
import tarfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from PIL import Image

from museumvqa.errors import UserError
from museumvqa.images.process import ImageError, load_image
from museumvqa.images.shards import INDEX_NAME


@dataclass
class Sample:
    """One image of an exhibit, decoded, with the metadata stored beside it in the shard."""

    key: str
    exhibit_id: str
    role: str
    view: str | None
    image: Image.Image
    meta: dict[str, Any]


def iter_samples(shards_dir: str | Path, keys: set[str] | None = None) -> Iterator[Sample]:
    """Every sample (or only those in `keys`), streamed shard by shard in build order."""
    shards_dir = Path(shards_dir)
    index = _index(shards_dir, keys)
    for shard in pc.unique(index.column("shard")).to_pylist():
        yield from read_shard(shards_dir / shard, keys)


def load_images(shards_dir: str | Path, keys: Iterable[str]) -> dict[str, Image.Image]:
    """The images of a few keys; an unknown key is an error rather than a silent gap."""
    shards_dir = Path(shards_dir)
    wanted = set(keys)
    known = set(_index(shards_dir, wanted).column("key").to_pylist())
    missing = sorted(wanted - known)
    if missing:
        shown = ", ".join(missing[:3]) + (" ..." if len(missing) > 3 else "")
        raise UserError(f"{shards_dir / INDEX_NAME}: {len(missing)} keys not in the index: {shown}")
    images = {sample.key: sample.image for sample in iter_samples(shards_dir, wanted)}
    if len(images) != len(wanted):
        lost = sorted(wanted - images.keys())
        raise UserError(f"{shards_dir}: index lists {lost[0]!r} but its shard does not hold it")
    return images


class ShardImages(Mapping[str, Image.Image]):
    """The images of `keys`, read from their shards when asked for rather than held in memory.

    Opening each shard once records where every wanted key's JPEG lies in it (tar member offsets), so a
    training run over millions of images holds a few numbers per image; a lookup is one seek, one read and
    one decode. It pickles as paths and offsets, so DataLoader workers can read in parallel.
    """

    def __init__(self, shards_dir: str | Path, keys: Iterable[str]) -> None:
        shards_dir = Path(shards_dir)
        wanted = set(keys)
        index = _index(shards_dir, wanted)
        missing = sorted(wanted - set(index.column("key").to_pylist()))
        if missing:
            shown = ", ".join(missing[:3]) + (" ..." if len(missing) > 3 else "")
            raise UserError(f"{shards_dir / INDEX_NAME}: {len(missing)} keys not in the index: {shown}")
        self._where: dict[str, tuple[str, int, int]] = {}
        for shard in pc.unique(index.column("shard")).to_pylist():
            path = shards_dir / shard
            try:
                with tarfile.open(path, mode="r:") as tar:  # headers only: member data is skipped by seeking
                    for member in tar:
                        name, _, ext = member.name.partition(".")
                        if ext == "jpg" and name in wanted and member.isfile():
                            self._where[name] = (str(path), member.offset_data, member.size)
            except (tarfile.TarError, OSError) as e:
                raise UserError(f"{path}: unreadable shard ({e})") from None
        lost = sorted(wanted - self._where.keys())
        if lost:
            raise UserError(f"{shards_dir}: index lists {lost[0]!r} but its shard does not hold it")

    def __getitem__(self, key: str) -> Image.Image:
        path, offset, size = self._where[key]
        with open(path, "rb") as handle:
            handle.seek(offset)
            data = handle.read(size)
        try:
            return load_image(data)
        except ImageError as e:
            raise UserError(f"{path}: sample {key!r}: {e.reason}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)


def _index(shards_dir: Path, keys: set[str] | None) -> pa.Table:
    """`key` and `shard` of the index rows, only those of `keys` when given."""
    path = shards_dir / INDEX_NAME
    if not path.is_file():
        raise UserError(f"{path}: no shard index here (run the shards stage first)")
    table = pq.read_table(path, columns=["key", "shard"])
    if keys is not None:
        table = table.filter(pc.is_in(table.column("key"), value_set=pa.array(sorted(keys), pa.string())))
    return table


def read_shard(path: Path, keys: set[str] | None = None) -> Iterator[Sample]:
    """The samples of one tar shard (or only those in `keys`), in the order they were written."""
    try:
        with tarfile.open(path, mode="r|") as tar:
            for key, files in tar_groups(tar, keys):
                yield _sample(path, key, files)
    except (tarfile.TarError, OSError) as e:
        raise UserError(f"{path}: unreadable shard ({e})") from None


def tar_groups(tar: tarfile.TarFile, keys: set[str] | None) -> Iterator[tuple[str, dict[str, bytes]]]:
    """Consecutive members sharing a key (name up to the first dot, as webdataset reads it)."""
    key = ""
    files: dict[str, bytes] = {}
    for member in tar:
        if not member.isfile():
            continue
        name, _, ext = member.name.partition(".")
        if name != key:
            if files:
                yield key, files
            key, files = name, {}
        handle = tar.extractfile(member) if keys is None or name in keys else None
        if handle is not None:
            files[ext] = handle.read()
    if files:
        yield key, files


def _sample(path: Path, key: str, files: dict[str, bytes]) -> Sample:
    if "jpg" not in files or "json" not in files:
        raise UserError(f"{path}: sample {key!r} lacks its .jpg or .json member")
    try:
        image = load_image(files["jpg"])
    except ImageError as e:
        raise UserError(f"{path}: sample {key!r}: {e.reason}") from None
    meta = json.loads(files["json"])
    return Sample(key, meta["exhibit_id"], meta["role"], meta.get("view"), image, meta)
