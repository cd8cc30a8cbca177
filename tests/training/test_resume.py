"""A full BLIP fine-tune killed with SIGKILL once a checkpoint exists, then rerun, ends with exactly the
weights of the run that was never interrupted (CPU, deterministic); checkpoints are complete or absent.
"""

from __future__ import annotations

import json
import subprocess

import pytest
from easy_vqa_tables import easy_vqa_run
from safetensors.torch import load_file
from train_process import kill_at_first_checkpoint, train_command

from museumvqa.config import load_config
from museumvqa.errors import UserError
from museumvqa.training.checkpoint import latest_checkpoint
from museumvqa.training.config import TrainConfig
from museumvqa.training.run import train

STEPS = 8
OVERRIDES = [
    "tiny.image_size=32",
    "tiny.hidden=32",
    "tiny.layers=1",
    "tiny.heads=2",
    "batch_size=4",
    "epochs=3",
    f"max_steps={STEPS}",
    "learning_rate=0.003",
    "checkpoint_every=2",
    "keep_last=2",
    "augment=true",  # crops drawn from the batch position: a resumed run must draw the same ones
]


@pytest.mark.slow
def test_killed_run_resumes_to_the_uninterrupted_weights(tmp_path):
    run = easy_vqa_run(tmp_path / "data", train_images=4, val_images=1)
    reference = train(
        load_config(TrainConfig, None, OVERRIDES), run.train, run.shards, tmp_path / "ref", progress=False
    )
    assert reference.steps == STEPS and reference.resumed_from is None
    checkpoints = tmp_path / "ref" / "checkpoints"
    assert sorted(p.name for p in checkpoints.iterdir()) == ["step-6", "step-8"]  # keep_last 2, no temp folders
    assert sorted(p.name for p in (checkpoints / "step-6").iterdir()) == [
        "optimizer-rank0.pt",
        "progress.json",
        "rng-rank0.json",
        "scheduler.pt",
        "trainable.safetensors",
    ]
    position = json.loads((checkpoints / "step-6" / "progress.json").read_text())["position"]
    assert position["plan_seed"] == 0 and position["epoch"] * 100 + position["batch"] > 0

    out = tmp_path / "killed"
    command = train_command(run, out, OVERRIDES)
    kill_at_first_checkpoint(command, out)
    assert not (out / "model.safetensors").exists()
    killed_at = int(latest_checkpoint(out).name.removeprefix("step-"))

    second = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr
    assert f"{STEPS} steps, resumed from step {killed_at}" in second.stdout and 0 < killed_at < STEPS

    resumed, uninterrupted = load_file(out / "model.safetensors"), load_file(tmp_path / "ref" / "model.safetensors")
    assert resumed.keys() == uninterrupted.keys()
    assert [name for name in resumed if not resumed[name].equal(uninterrupted[name])] == []
    summary = json.loads((out / "training_summary.json").read_text())
    assert summary["epoch_losses"] == reference.epoch_losses and summary["resumed_from"] == killed_at

    changed = load_config(TrainConfig, None, [*OVERRIDES, "learning_rate=0.01"])
    with pytest.raises(UserError, match=r"checkpoint of a run with other settings \(learning_rate\)"):
        train(changed, run.train, run.shards, out, progress=False)
