"""A LoRA run killed with SIGKILL once a checkpoint exists, then resumed, ends with the same weights
as the run that was never interrupted (tiny LLaVA on the CPU, deterministic); its adapter merges
into exactly the model the run saved.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from easy_vqa_tables import easy_vqa_run
from safetensors.torch import load_file
from train_process import kill_at_first_checkpoint, train_command

from museumvqa.config import load_config
from museumvqa.io import read_parquet_dir
from museumvqa.models.llava import new_tiny_llava
from museumvqa.training.checkpoint import latest_checkpoint
from museumvqa.training.config import TrainConfig
from museumvqa.training.merge import merge_lora
from museumvqa.training.run import train

KILL_AT = 4  # the checkpoint step after which the first run is killed
STEPS = 12


def settings(base: Path) -> list[str]:
    return [
        "family=llava",
        f"base_model={base}",
        "lora.enabled=true",
        "lora.r=4",
        "lora.alpha=8",
        "batch_size=4",
        "epochs=2",
        f"max_steps={STEPS}",
        "learning_rate=0.003",
        f"checkpoint_every={KILL_AT}",
    ]


def assert_same_weights(a: Path, b: Path) -> None:
    left, right = load_file(a), load_file(b)
    assert left.keys() == right.keys()
    different = [name for name in left if not (left[name] == right[name]).all()]
    assert different == []


@pytest.mark.slow
def test_killed_lora_run_resumes_to_the_uninterrupted_weights(tmp_path):
    run = easy_vqa_run(tmp_path / "data", train_images=3, val_images=1)
    questions = read_parquet_dir(run.train).num_rows
    assert KILL_AT * 4 < questions < STEPS * 4  # the resumed part crosses into the second epoch
    model, processor = new_tiny_llava(image_size=32, hidden=64, layers=2, heads=4)
    model.save_pretrained(tmp_path / "base")
    processor.save_pretrained(tmp_path / "base")
    overrides = settings(tmp_path / "base")

    reference = train(
        load_config(TrainConfig, None, overrides), run.train, run.shards, tmp_path / "ref", progress=False
    )
    assert reference.steps == STEPS and reference.resumed_from is None

    out = tmp_path / "killed"
    command = train_command(run, out, overrides)
    kill_at_first_checkpoint(command, out)
    assert not (out / "training_summary.json").exists()
    killed_at = latest_checkpoint(out)
    assert killed_at is not None

    second = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr
    step = int(killed_at.name.removeprefix("step-"))
    assert f"{STEPS} steps, resumed from step {step}" in second.stdout and 0 < step < STEPS

    assert_same_weights(
        out / "adapter" / "adapter_model.safetensors", tmp_path / "ref" / "adapter" / "adapter_model.safetensors"
    )
    assert_same_weights(out / "model.safetensors", tmp_path / "ref" / "model.safetensors")

    merged = merge_lora(out / "adapter", tmp_path / "merged")
    assert_same_weights(merged / "model.safetensors", out / "model.safetensors")
