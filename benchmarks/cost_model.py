"""Cost model for the paper's scale (65M images, 200M QA pairs) from the per-item rates measured in BENCHMARKS.md.

Each stage is (items, CPU seconds per item that spread over cores, seconds that stay in one process). Wall
time on C cores is parallel / C + serial: no overhead for scheduling or I/O is added, and every rate was
measured on a loaded 2-core machine, so the CPU figures are pessimistic for a quiet cluster core. GPU
stages are in GPU-hours at the measured H200 throughput. Each rate names the section it comes from; a
stage whose rate does not carry to this scale says why.

    python benchmarks/cost_model.py [--images 65e6] [--records 65e6] [--pairs 200e6] [--test-share 0.1]
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

CORES = (64, 512, 1000)


@dataclass(frozen=True)
class Stage:
    name: str
    unit: str  # what `items` counts: records, images, pairs, test questions
    parallel_s: float  # CPU seconds per item that spread over cores
    serial_s: float  # seconds per item spent in one process (the driver's part)
    source: str  # where the rate was measured
    limit: str = ""  # what bounds this stage at the paper's scale, when the CPU rate is not the whole story


def stages(records: float, images: float, pairs: float, test_share: float) -> list[tuple[Stage, float]]:
    """The pipeline's CPU stages with their item counts."""
    return [
        (
            Stage("ingest (Europeana EDM XML)", "records", 0.8 / 1_223, 0.2 / 1_223,
                  "Ingest speed per source: EDM 1,223 records/CPU-s; a task per input file (Ray for ingest and "
                  "questions: the driver's first-record-wins and writing is 15-24% of the CPU, 20% here)"),
            records,
        ),
        (
            Stage("questions (7 languages)", "pairs", 0.93 / 285_085, 0.07 / 285_085,
                  "Question generation throughput: Tate, 285k pairs/CPU-s; a task per exhibit part (Ray for "
                  "ingest and questions: the driver's replay and write is 5-8% of the CPU)"),
            pairs,
        ),
        (
            Stage("shards: fetch, resize, encode", "images", 8.7e-3, 0.0,
                  "Images benchmarks: 8.4-9.8 ms CPU per image (384 px); units on Ray",
                  "the network, not CPU: ~28 TB at the sample's 435 kB per source image (62 h at 1 Gbit/s, 6.2 h "
                  "at 10 Gbit/s), and each museum's server is asked politely (`fetch.per_host`)"),
            images,
        ),
        (
            Stage("leak check: fingerprints", "images", 6.6e-3, 0.0,
                  "Near-duplicate leaks: 6.6 ms per 384-px image; a task per shard (Ray)"),
            images,
        ),
        (
            Stage("leak check: candidates + verification", "test images", 22e-3, 0.0,
                  "Near-duplicate leaks: 22 ms per test image against an index of 174",
                  "the visual-word index holds ~4,000 words per image in memory (~64 GB at 65M images) and a "
                  "query's cost grows with the collection: issue 15 item 2"),
            images * test_share,
        ),
        (
            Stage("benchmarks: split and task sets", "pairs", 0.0, 16.8e-6,
                  "Benchmark task sets out of core: 16.8 us per QA row, one process",
                  "~0.7 KB held per exhibit: ~45 GB at 65M exhibits (a large-memory node, or views and split "
                  "moved into DuckDB)"),
            pairs,
        ),
        (
            Stage("evaluate: baseline:retrieval predictions", "test questions", 623e-6, 0.0,
                  "Evaluation at 10k/100k: 623 us per question against 2,000 training images (ranks split the rows)",
                  "the search is exact: its cost grows with the training images (~58M here), so this rate does not "
                  "hold; an approximate index is issue 15 item 4"),
            pairs * test_share,
        ),
        (
            Stage("evaluate: scoring", "test questions", 0.0, 500e-6,
                  "Evaluation at 10k/100k: 500 us per question, one process, ~440 B per answer held"),
            pairs * test_share,
        ),
    ]


GPU = (  # (model, training samples per second on one H200, source)
    ("BLIP-base VQA, compiled, batch 128", 345.32, "Training throughput on a GPU: H200"),
    ("LLaVA-1.5-7B LoRA, compiled, batch 16", 25.49, "Training throughput on a GPU: H200"),
)


def hours(seconds: float) -> str:
    return f"{seconds / 3600:,.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=float, default=65e6)
    parser.add_argument("--images", type=float, default=65e6)
    parser.add_argument("--pairs", type=float, default=200e6)
    parser.add_argument("--test-share", type=float, default=0.1, help="share of images and pairs in the test split")
    args = parser.parse_args()
    rows = stages(args.records, args.images, args.pairs, args.test_share)
    head = " | ".join(f"wall h, {c} cores" for c in CORES)
    print(f"| stage | items | core-hours | serial h | {head} | measured in | limits at this scale |")
    print("|---|---:|---:|---:|" + "---:|" * len(CORES) + "---|---|")
    total_parallel = total_serial = 0.0
    for stage, items in rows:
        parallel, serial = items * stage.parallel_s, items * stage.serial_s
        total_parallel, total_serial = total_parallel + parallel, total_serial + serial
        walls = " | ".join(hours(parallel / c + serial) for c in CORES)
        print(f"| {stage.name} | {items:,.0f} {stage.unit} | {hours(parallel + serial)} | {hours(serial)} | {walls} "
              f"| {stage.source} | {stage.limit or '-'} |")
    walls = " | ".join(hours(total_parallel / c + total_serial) for c in CORES)
    print(f"| **all CPU stages** | | {hours(total_parallel + total_serial)} | {hours(total_serial)} | {walls} | | |")
    print()
    print("| model | samples per epoch | H200 GPU-hours per epoch | on 8 GPUs, hours | measured in |")
    print("|---|---:|---:|---:|---|")
    for model, rate, source in GPU:
        seconds = args.pairs / rate
        print(f"| {model} | {args.pairs:,.0f} | {hours(seconds)} | {hours(seconds / 8)} | {source} |")


if __name__ == "__main__":
    main()
