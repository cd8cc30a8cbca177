"""What the stage benchmarks share: one measurement run in a fresh child process (its own peak memory, no
warm caches from the last), and a folder's files, to check that two ways of running wrote the same."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# Child-process code: `seen` (pid -> CPU seconds) filled by `sample()` from every process under the child
# (pool workers; Ray's raylet, GCS and workers), every 0.2 s until `stop` is set. Needs psutil, threading.
CPU_SAMPLER = """
seen, stop = {}, threading.Event()

def sample():
    me = psutil.Process()
    while not stop.wait(0.2):
        for p in me.children(recursive=True):
            try:
                t = p.cpu_times()
                seen[p.pid] = max(seen.get(p.pid, 0.0), t.user + t.system)
            except psutil.Error:
                pass
"""


def run_child(code: str, argv: list[str], src: Path) -> dict:
    """Run `code` with `argv` in a new Python with `src` importable and one torch/OpenMP thread; its last
    stdout line is its JSON result."""
    env = {**os.environ, "PYTHONPATH": str(src), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", code, *argv], env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{' '.join(argv[:1])} {argv[3:4]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` by relative path, with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
