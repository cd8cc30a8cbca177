"""Streaming training reader: shard tars -> (image, question) samples, split across ranks and workers.

Usage (one process per GPU; works unchanged with a single process)::

    from torch.utils.data import DataLoader
    from museumvqa.images.stream import ShardStream

    stream = ShardStream(
        "run/shards",                 # a folder written by build_shards (index.parquet + shard-*.tar)
        qa="run/qa/train.parquet",    # a pyarrow Table or Parquet file/folder; one row per QA pair
        strategy="all",               # "all": every question of an image each epoch; "one": one random question
        shuffle_buffer=2000,          # 0 keeps build order (evaluation); > 0 mixes samples within a window
        seed=0,
        image="uint8",                # "pil" (PIL.Image RGB), "uint8" (torch uint8 CxHxW) or "bytes" (the JPEG)
    )
    loader = DataLoader(stream, batch_size=32, num_workers=4, collate_fn=my_collate)
    for epoch in range(epochs):
        stream.set_epoch(epoch)       # before iterating: workers copy the dataset when an epoch starts
                                      # (so not with persistent_workers=True)
        for batch in loader: ...

Each sample is a dict: `key`, `exhibit_id`, `role`, `view`, `generated`, `image`, plus every column of
the QA row (e.g. `question_id`, `question`, `answers`) when `qa` is given. Without `qa` it yields one
sample per image (for feature extraction or evaluation).

Splitting: the shards (not samples) are dealt out, first to ranks (`rank`, `world_size`; by default
from `torch.distributed` when it is initialised, else the `RANK` / `WORLD_SIZE` environment
variables, else a single process), then to the DataLoader workers of each rank. Every sample is read
exactly once per epoch across all ranks and workers. Give a build at least `world_size *
num_workers` shards, or some workers get none; ranks may get a few samples more or fewer than each
other, so under DDP stop each epoch after a fixed number of steps (or use `drop_last` and `join`).

Order is reproducible: the shard order of an epoch is a shuffle seeded by (`seed`, epoch); the
shuffle buffer and the "one" strategy's choice are seeded by (`seed`, epoch, rank, worker) and
(`seed`, epoch, image key) respectively, so a question's choice does not depend on the split.

Model-ready pixels, fast: `image="uint8", size=(height, width)` gives every image as a uint8
(3, height, width) tensor at the model processor's input size (e.g. BLIP's 384x384, bicubic),
decoding JPEGs at 1/2-1/8 scale when the shard holds them at least twice that large and resizing
with torch's antialiased uint8 kernels (PIL's filters, twice as fast). The workers ship uint8 (a
quarter of float32's bytes), the default collate stacks it, and one call per batch,
`pixel_values(batch, processor.image_mean, processor.image_std, device)`, normalises on the GPU (or
on the CPU into a reused `out` tensor). The result is the processor's own `pixel_values` within 1
grey level when no reduced decode happens, and within resize tolerance when one does (both
measured in tests/images/test_stream.py).
The QA rows of the images are held in memory, grouped by image key (only the columns given).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import tarfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import torch
import torch.nn.functional as F
from torch.utils.data import IterableDataset, get_worker_info

from museumvqa.errors import UserError
from museumvqa.images.process import load_image
from museumvqa.images.reader import tar_groups
from museumvqa.images.shards import INDEX_NAME
from museumvqa.io import read_parquet_dir

STRATEGIES = ("all", "one")
IMAGE_FORMATS = ("pil", "uint8", "bytes")
RESAMPLING = ("bicubic", "bilinear")  # antialiased like PIL's filters of the same names


class ShardStream(IterableDataset):
    """An IterableDataset over a shard folder; see the module docstring for the full contract."""

    def __init__(
        self,
        shards_dir: str | Path,
        qa: pa.Table | str | Path | None = None,
        *,
        strategy: str = "all",
        key_column: str = "image_key",
        shuffle_buffer: int = 0,
        seed: int = 0,
        rank: int | None = None,
        world_size: int | None = None,
        image: str = "pil",
        size: tuple[int, int] | None = None,
        resample: str = "bicubic",
        transform: Callable[[dict[str, Any]], Any] | None = None,
    ) -> None:
        if strategy not in STRATEGIES:
            raise UserError(f"sampling strategy must be one of {', '.join(STRATEGIES)}, got {strategy!r}")
        if image not in IMAGE_FORMATS:
            raise UserError(f"image format must be one of {', '.join(IMAGE_FORMATS)}, got {image!r}")
        if shuffle_buffer < 0:
            raise UserError(f"shuffle buffer must be >= 0, got {shuffle_buffer}")
        if size is not None and (image != "uint8" or len(size) != 2 or min(size) < 1):
            raise UserError(f"size must be (height, width) >= 1 with image='uint8', got {size} with {image!r}")
        if resample not in RESAMPLING:
            raise UserError(f"resample must be one of {', '.join(RESAMPLING)}, got {resample!r}")
        self.shards_dir = Path(shards_dir)
        index_path = self.shards_dir / INDEX_NAME
        if not index_path.is_file():
            raise UserError(f"{index_path}: no shard index here (run the shards stage first)")
        self.shards: list[str] = pc.unique(pq.read_table(index_path, columns=["shard"])["shard"]).to_pylist()
        self.questions = _group_qa(qa, key_column) if qa is not None else None
        self.strategy, self.shuffle_buffer, self.seed = strategy, shuffle_buffer, seed
        self.rank, self.world_size = _rank_and_world(rank, world_size)
        self.image, self.resample, self.transform = image, resample, transform
        self.size = (int(size[0]), int(size[1])) if size is not None else None
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Select the epoch whose shard order, shuffle and question choice the next iteration uses."""
        self.epoch = epoch

    def shards_for(self, worker: int = 0, num_workers: int = 1) -> list[str]:
        """The shards one worker of this rank reads this epoch, in reading order."""
        order = list(self.shards)
        if self.shuffle_buffer:
            random.Random(f"{self.seed}:{self.epoch}").shuffle(order)
        return order[self.rank :: self.world_size][worker::num_workers]

    def __iter__(self) -> Iterator[Any]:
        info = get_worker_info()
        worker, num_workers = (info.id, info.num_workers) if info is not None else (0, 1)
        samples = self._samples(self.shards_for(worker, num_workers))
        if self.shuffle_buffer:
            rng = random.Random(f"{self.seed}:{self.epoch}:{self.rank}:{worker}")
            samples = _shuffled(samples, self.shuffle_buffer, rng)
        for sample in samples:
            yield self.transform(sample) if self.transform else sample

    def _samples(self, shards: list[str]) -> Iterator[dict[str, Any]]:
        for shard in shards:
            path = self.shards_dir / shard
            try:
                with tarfile.open(path, mode="r|") as tar:
                    for key, files in tar_groups(tar, None):
                        yield from self._expand(key, files)
            except (tarfile.TarError, OSError) as e:
                raise UserError(f"{path}: unreadable shard ({e})") from None

    def _expand(self, key: str, files: dict[str, bytes]) -> Iterator[dict[str, Any]]:
        """The samples of one image: none without questions, one per question ("all"), or one chosen."""
        rows: list[dict[str, Any]] = [{}]
        if self.questions is not None:
            rows = self.questions.get(key, [])
            if rows and self.strategy == "one":
                digest = hashlib.sha256(f"{self.seed}:{self.epoch}:{key}".encode()).digest()
                rows = [rows[int.from_bytes(digest[:8], "big") % len(rows)]]
        if not rows:
            return
        meta = json.loads(files["json"])
        base = {k: meta.get(k) for k in ("key", "exhibit_id", "role", "view", "generated")}
        base["image"] = self._decode(files["jpg"])
        for row in rows:
            yield {**base, **row}

    def _decode(self, jpeg: bytes) -> Any:
        if self.image == "bytes":
            return jpeg
        img = load_image(jpeg, size=self.size[::-1] if self.size else None)  # PIL's (width, height)
        if self.image == "pil":
            return img
        pixels = torch.from_numpy(np.asarray(img).copy()).permute(2, 0, 1)  # a channels-last view
        if self.size is not None and tuple(pixels.shape[1:]) != self.size:
            pixels = F.interpolate(pixels[None], size=self.size, mode=self.resample, antialias=True)[0]
        return pixels.contiguous()  # the collate then stacks with plain copies


def _group_qa(qa: pa.Table | str | Path, key_column: str) -> dict[str, list[dict[str, Any]]]:
    table = qa if isinstance(qa, pa.Table) else read_parquet_dir(qa)
    if key_column not in table.column_names:
        raise UserError(f"QA table has no {key_column!r} column (the image key of each question)")
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in table.to_pylist():
        key = row.pop(key_column)
        if key is not None:
            grouped.setdefault(key, []).append(row)
    return grouped


def _rank_and_world(rank: int | None, world_size: int | None) -> tuple[int, int]:
    if rank is None or world_size is None:
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            rank, world_size = torch.distributed.get_rank(), torch.distributed.get_world_size()
        else:
            rank, world_size = int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))
    if world_size < 1 or not 0 <= rank < world_size:
        raise UserError(f"rank must be in 0..world_size-1, got rank {rank} of {world_size}")
    return rank, world_size


def _shuffled(items: Iterator[Any], size: int, rng: random.Random) -> Iterator[Any]:
    """Reservoir-style shuffle: fill a buffer, then emit a random element for each new one."""
    buffer: list[Any] = []
    for item in items:
        if len(buffer) < size:
            buffer.append(item)
            continue
        slot = rng.randrange(size)
        yield buffer[slot]
        buffer[slot] = item
    rng.shuffle(buffer)
    yield from buffer


def pixel_values(
    batch: torch.Tensor,
    mean: Sequence[float],
    std: Sequence[float],
    device: torch.device | str | None = None,
    out: torch.Tensor | None = None,
) -> torch.Tensor:
    """uint8 images (B, 3, H, W) -> float32 `(x / 255 - mean) / std` on `device` (or in `out`).

    Moves the uint8 batch first (a quarter of the bytes), then converts and scales in place.
    `out` (float32, the batch's shape, on the target device) is written and returned: on the CPU
    reuse one across batches, as a fresh 56 MB batch costs more in page faults than the arithmetic
    (28 vs 6 ms for 32x3x384x384); the GPU's caching allocator reuses memory by itself.
    """
    x = batch.to(out.device if out is not None else device, non_blocking=True)
    if out is None:
        out = torch.empty(x.shape, dtype=torch.float32, device=x.device)
    std_t = torch.tensor(std, dtype=torch.float32, device=x.device).view(1, -1, 1, 1)
    mean_t = torch.tensor(mean, dtype=torch.float32, device=x.device).view(1, -1, 1, 1)
    return out.copy_(x).mul_(1.0 / (255.0 * std_t)).sub_(mean_t / std_t)
