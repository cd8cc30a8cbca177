"""The streaming training reader on a real shard build: splits, shuffling, sampling strategies."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch
from torch.utils.data import DataLoader

from museumvqa.errors import UserError
from museumvqa.images.shards import build_shards
from museumvqa.images.stream import ShardStream, pixel_values


@pytest.fixture(scope="module")
def small_shards(tmp_path_factory, met_exhibits_dir) -> tuple[Path, pa.Table]:
    """The 20 Met paintings in 10 shards of 2, and 1-3 questions per image (40 in all)."""
    out = tmp_path_factory.mktemp("stream_shards")
    build_shards(met_exhibits_dir, out, image_size=32, per_shard=2, progress=False)
    keys = pq.read_table(out / "index.parquet")["key"].to_pylist()
    rows = [
        {"question_id": f"{key}-q{n}", "question": f"question {n}?", "answers": [f"answer {n}"], "image_key": key}
        for i, key in enumerate(keys)
        for n in range(i % 3 + 1)
    ]
    return out, pa.Table.from_pylist(rows)


def _ids(samples) -> list[str]:
    return [s["question_id"] for s in samples]


def test_all_strategy_reads_every_question_once_across_ranks_and_workers(small_shards) -> None:
    shards, qa = small_shards
    seen: list[str] = []
    for rank in range(2):
        stream = ShardStream(shards, qa, rank=rank, world_size=2, shuffle_buffer=8, seed=3, image="bytes")
        stream.set_epoch(1)
        loader = DataLoader(stream, batch_size=None, num_workers=2)
        ids = [s["question_id"] for s in loader]
        assert len(ids) > 0
        seen += ids
    assert Counter(seen) == Counter(qa["question_id"].to_pylist())


def test_shard_split_is_disjoint_and_seeded(small_shards) -> None:
    shards, qa = small_shards
    streams = [ShardStream(shards, qa, rank=r, world_size=2, shuffle_buffer=4, seed=0) for r in range(2)]
    parts = [s.shards_for(w, 2) for s in streams for w in range(2)]
    assert sorted(sum(parts, [])) == [f"shard-{n:06d}.tar" for n in range(10)]
    first = streams[0].shards_for()
    streams[0].set_epoch(1)
    assert streams[0].shards_for() != first  # a new epoch, a new shard order
    streams[0].set_epoch(0)
    assert streams[0].shards_for() == first


def test_epoch_order_is_reproducible_and_shuffled(small_shards) -> None:
    shards, qa = small_shards
    plain = _ids(ShardStream(shards, qa, image="bytes"))
    assert plain == qa["question_id"].to_pylist()  # no shuffle: build order
    stream = ShardStream(shards, qa, shuffle_buffer=10, seed=7, image="bytes")
    epoch0 = _ids(stream)
    assert epoch0 == _ids(ShardStream(shards, qa, shuffle_buffer=10, seed=7, image="bytes"))
    assert epoch0 != plain and sorted(epoch0) == sorted(plain)
    stream.set_epoch(1)
    assert _ids(stream) != epoch0


def test_one_strategy_picks_one_question_per_image_per_epoch(small_shards) -> None:
    shards, qa = small_shards
    stream = ShardStream(shards, qa, strategy="one", seed=1, image="bytes")
    picks = []
    for epoch in range(4):
        stream.set_epoch(epoch)
        samples = list(stream)
        assert len(samples) == 20 and len({s["key"] for s in samples}) == 20
        assert all(s["question_id"].startswith(s["key"]) for s in samples)
        picks.append(_ids(samples))
    assert len({tuple(p) for p in picks}) > 1  # images with several questions get other ones
    split = [s for r in range(2) for s in ShardStream(shards, qa, strategy="one", seed=1, rank=r, world_size=2,
                                                      image="bytes")]  # fmt: skip
    assert sorted(_ids(split)) == sorted(picks[0])  # the choice does not depend on the split


def test_image_formats_and_samples(small_shards) -> None:
    shards, qa = small_shards
    index = {r["key"]: r for r in pq.read_table(shards / "index.parquet").to_pylist()}
    sample = next(iter(ShardStream(shards, qa, image="uint8")))
    row = index[sample["key"]]
    assert sample["image"].dtype == torch.uint8 and tuple(sample["image"].shape) == (3, row["height"], row["width"])
    assert (sample["exhibit_id"], sample["role"], sample["question"]) == (row["exhibit_id"], "primary", "question 0?")
    pil = next(iter(ShardStream(shards, image="pil")))
    assert pil["image"].size == (row["width"], row["height"]) and "question" not in pil
    assert len(list(ShardStream(shards))) == 20  # without QA: every image once
    only_some = qa.filter(pa.compute.equal(qa["image_key"], sample["key"]))
    assert [s["key"] for s in ShardStream(shards, only_some, image="bytes")] == [sample["key"]]
    lengths = list(ShardStream(shards, qa, image="bytes", transform=lambda s: len(s["image"])))
    assert all(isinstance(n, int) and n > 0 for n in lengths)


def test_bad_arguments(small_shards, tmp_path) -> None:
    shards, qa = small_shards
    with pytest.raises(UserError, match="strategy"):
        ShardStream(shards, qa, strategy="some")
    with pytest.raises(UserError, match="image format"):
        ShardStream(shards, qa, image="float")
    with pytest.raises(UserError, match="rank"):
        ShardStream(shards, qa, rank=2, world_size=2)
    with pytest.raises(UserError, match="no 'image_key' column"):
        ShardStream(shards, qa.drop_columns(["image_key"]))
    with pytest.raises(UserError, match="no shard index"):
        ShardStream(tmp_path)


def test_pixel_values_match_the_float_formula() -> None:
    batch = torch.randint(0, 256, (2, 3, 5, 4), dtype=torch.uint8)
    mean, std = (0.48, 0.45, 0.40), (0.26, 0.26, 0.27)
    expected = (batch.float() / 255 - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)
    got = pixel_values(batch, mean, std)
    assert got.dtype == torch.float32 and torch.allclose(got, expected, atol=1e-5)
    assert batch.dtype == torch.uint8  # the input is left alone
