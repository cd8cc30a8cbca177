"""Two CPU processes under torchrun (DDP over gloo) run `museumvqa train` to the end: each takes half of every
epoch's batches, both save their optimizer and RNG state, and the saved model has the single-process shapes.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from easy_vqa_tables import easy_vqa_run
from safetensors.torch import load_file

from museumvqa.config import load_config
from museumvqa.training.config import TrainConfig
from museumvqa.training.run import train

OVERRIDES = [
    "tiny.image_size=32",
    "tiny.hidden=32",
    "tiny.layers=1",
    "tiny.heads=2",
    "batch_size=4",
    "epochs=1",
    "max_steps=4",
    "checkpoint_every=2",
    "eval_limit=4",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_process_ddp_run_finishes_with_the_single_process_output_shapes(tmp_path):
    run = easy_vqa_run(tmp_path / "data", train_images=4, val_images=1)
    torchrun = Path(sys.executable).parent / "torchrun"
    command = [str(torchrun), "--nproc-per-node", "2", "--master-port", str(free_port())]
    command += [str(Path(sys.executable).parent / "museumvqa"), "train", "--quiet", "--out", str(tmp_path / "ddp")]
    command += ["--train", str(run.train), "--val", str(run.val), "--shards", str(run.shards)]
    command += [arg for item in OVERRIDES for arg in ("--set", item)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("4 steps") == 1  # one report, from process 0

    summary = json.loads((tmp_path / "ddp" / "training_summary.json").read_text())
    assert summary["processes"] == 2 and summary["steps"] == 4
    assert [h["step"] for h in summary["eval_history"]] == [4]
    checkpoint = tmp_path / "ddp" / "checkpoints" / "step-4"
    assert {p.name for p in checkpoint.glob("*-rank*")} == {
        "optimizer-rank0.pt",
        "optimizer-rank1.pt",
        "rng-rank0.json",
        "rng-rank1.json",
    }

    config = load_config(TrainConfig, None, OVERRIDES)
    train(config, run.train, run.shards, tmp_path / "single", progress=False)
    ddp, single = (
        load_file(tmp_path / "ddp" / "model.safetensors"),
        load_file(tmp_path / "single" / "model.safetensors"),
    )
    assert {k: v.shape for k, v in ddp.items()} == {k: v.shape for k, v in single.items()}
