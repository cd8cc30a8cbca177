"""`museumvqa train` as a separate process that the resume tests kill with SIGKILL at its first checkpoint."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from easy_vqa_tables import RunTables

from museumvqa.training.checkpoint import latest_checkpoint


def train_command(run: RunTables, out: Path, overrides: list[str]) -> list[str]:
    command = [sys.executable, "-c", "from museumvqa.cli import main; main()", "train", "--quiet"]
    command += ["--train", str(run.train), "--shards", str(run.shards), "--out", str(out)]
    return command + [arg for item in overrides for arg in ("--set", item)]


def kill_at_first_checkpoint(command: list[str], out: Path) -> None:
    """Start the run, SIGKILL it (no handler, no cleanup) once a checkpoint exists; it must not have finished."""
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while latest_checkpoint(out) is None and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    first.kill()
    _, stderr = first.communicate()
    assert first.returncode == -9, stderr  # killed, not finished
