from __future__ import annotations

import hashlib
import io
import pickle
import shutil
import tarfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from PIL import Image

from museumvqa.errors import UserError
from museumvqa.images.reader import ShardImages, iter_samples, load_images


def _index(shards: Path) -> list[dict]:
    return pq.read_table(shards / "index.parquet").to_pylist()


def _jpeg_pixels(shards: Path, row: dict) -> bytes:
    with tarfile.open(shards / row["shard"]) as tar:
        data = tar.extractfile(f"{row['key']}.jpg").read()
    assert hashlib.sha256(data).hexdigest() == row["sha256"]
    with Image.open(io.BytesIO(data)) as img:
        return img.convert("RGB").tobytes()


def test_iter_samples_streams_everything_in_build_order(met_shards) -> None:
    shards, _ = met_shards
    index = _index(shards)
    samples = list(iter_samples(shards))
    assert [s.key for s in samples] == [r["key"] for r in index]
    for sample, row in zip(samples, index):
        assert (sample.exhibit_id, sample.role, sample.view) == (row["exhibit_id"], row["role"], row["view"])
        assert sample.meta["uri"] == row["uri"]
        assert sample.image.mode == "RGB" and sample.image.size == (row["width"], row["height"])
    assert samples[5].image.tobytes() == _jpeg_pixels(shards, index[5])


def test_iter_samples_with_keys_keeps_build_order(met_shards) -> None:
    shards, _ = met_shards
    keys = [r["key"] for r in _index(shards)]
    wanted = {keys[17], keys[2], keys[9]}
    assert [s.key for s in iter_samples(shards, wanted)] == [keys[2], keys[9], keys[17]]
    assert list(iter_samples(shards, set())) == []


def test_load_images_opens_only_the_shards_it_needs(tmp_path: Path, met_shards) -> None:
    shards = tmp_path / "copy"
    shutil.copytree(met_shards[0], shards)
    index = _index(shards)
    (shards / "shard-000001.tar").unlink()  # keys from shards 0 and 2 must still load
    wanted = [index[0]["key"], index[19]["key"]]
    images = load_images(shards, wanted)
    assert sorted(images) == sorted(wanted)
    assert images[index[19]["key"]].size == (index[19]["width"], index[19]["height"])
    with pytest.raises(UserError, match="shard-000001.tar: unreadable shard"):
        load_images(shards, [index[8]["key"]])


def test_unknown_keys_and_missing_index(tmp_path: Path, met_shards) -> None:
    shards, _ = met_shards
    with pytest.raises(UserError, match="2 keys not in the index: nope-1, nope-2"):
        load_images(shards, ["nope-1", "nope-2", _index(shards)[0]["key"]])
    with pytest.raises(UserError, match="no shard index"):
        list(iter_samples(tmp_path))


def test_shard_images_read_each_image_on_demand_without_holding_them(tmp_path: Path, met_shards) -> None:
    shards, _ = met_shards
    index = _index(shards)
    wanted = [index[i]["key"] for i in (0, 7, 19)]
    images = ShardImages(shards, wanted)
    assert sorted(images) == sorted(wanted) and len(images) == 3
    held = pickle.dumps(images)  # what a DataLoader worker receives: paths and offsets, no pixels
    assert len(held) < 2_000
    eager = load_images(shards, wanted)
    for key in wanted:
        assert pickle.loads(held)[key].tobytes() == eager[key].tobytes()
    with pytest.raises(UserError, match="1 keys not in the index: nope"):
        ShardImages(shards, ["nope", wanted[0]])
    broken = tmp_path / "copy"
    shutil.copytree(shards, broken)
    (broken / index[0]["shard"]).write_bytes(b"not a tar")
    with pytest.raises(UserError, match="unreadable shard"):
        ShardImages(broken, [wanted[0]])
