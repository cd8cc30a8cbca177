"""Load test of `museumvqa serve` over loopback: N client threads post /api/ask for a fixed time.

Starts the server as a subprocess on a free 127.0.0.1 port, then per scenario reports requests/s,
p50/p95 latency, status counts (errors = anything but 200 and, above the bound, 503), and the server's
resident memory before and after. Scenarios alternate so CPU noise from other work hits all alike.

    python benchmarks/serving/serve_load.py --model RUN/model --catalog RUN [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _wait_ready(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/api/health", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("server did not start")


def run_scenario(url: str, photo: bytes, clients: int, seconds: float, mode: str) -> dict:
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client() -> None:
        with httpx.Client(timeout=60) as http:
            while time.monotonic() < stop:
                start = time.perf_counter()
                try:
                    status = http.post(
                        f"{url}/api/ask",
                        files={"image": ("p.jpg", photo, "image/jpeg")},
                        data={"question": "Who made this painting?", "mode": mode},
                    ).status_code
                except httpx.HTTPError:
                    status = -1
                with lock:
                    statuses[status] += 1
                    if status == 200:
                        latencies.append(time.perf_counter() - start)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    begin = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - begin
    ok = sorted(latencies)
    return {
        "mode": mode,
        "clients": clients,
        "seconds": round(elapsed, 1),
        "ok_per_s": round(len(ok) / elapsed, 2),
        "p50_ms": round(1000 * statistics.median(ok), 1) if ok else None,
        "p95_ms": round(1000 * ok[int(0.95 * (len(ok) - 1))], 1) if ok else None,
        "statuses": dict(statuses),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--catalog", type=Path, required=True)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=4, help="the server's bound")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "serve_load.json")
    args = parser.parse_args()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "museumvqa"),
            "serve",
            "--model",
            str(args.model),
            "--catalog",
            str(args.catalog),
            "--port",
            str(port),
            "--concurrency",
            str(args.concurrency),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "TQDM_DISABLE": "1"},
    )
    try:
        _wait_ready(url)
        samples = json.loads(urllib.request.urlopen(f"{url}/api/samples?limit=1").read())
        photo = urllib.request.urlopen(url + samples[0]["image_url"]).read()
        memory_before = _rss_mib(server.pid)
        below = max(1, args.concurrency // 2)
        scenarios = [("retrieval", below), ("model", below), ("grounded", below)] * 2
        scenarios += [("model", args.concurrency * 4)]  # over the bound: expect 503s, no other errors
        results = [run_scenario(url, photo, clients, args.seconds, mode) for mode, clients in scenarios]
        memory_after = _rss_mib(server.pid)
    finally:
        server.terminate()
        server.wait(30)
    report = {
        "server_rss_mib_before": round(memory_before, 1),
        "server_rss_mib_after": round(memory_after, 1),
        "concurrency_bound": args.concurrency,
        "results": results,
    }
    args.out.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
