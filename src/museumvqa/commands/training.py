"""CLI commands of train: fine-tune a model (BLIP or LLaVA; full, frozen parts or LoRA; resumable)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from museumvqa.commands.common import ConfigFile, Overrides, Quiet, load_settings


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""

    @app.command()
    def train(
        train_table: Annotated[Path, typer.Option("--train", help="train.parquet from `benchmarks`.")],
        shards_dir: Annotated[Path, typer.Option("--shards", help="Shards folder from `shards`.")],
        out: Annotated[
            Path, typer.Option(help="Model folder (safetensors, processor, training_summary.json, checkpoints/).")
        ],
        val_table: Annotated[
            Path | None, typer.Option("--val", help="val.parquet: scored every eval_every steps and at the end.")
        ] = None,
        config: ConfigFile = None,
        overrides: Overrides = None,
        quiet: Quiet = False,
    ) -> None:
        """Train BLIP or LLaVA; an --out folder holding checkpoints resumes the run where it stopped.

        Defaults: a tiny BLIP from scratch on the CPU (no pretrained weights). Examples:
        configs/train_tiny.yaml, configs/train_llava_tiny.yaml, configs/train_llava_7b_lora.yaml.
        Several GPUs or nodes: `accelerate launch --config_file configs/accelerate/ddp.yaml $(which museumvqa) train ...`.
        """
        from museumvqa.inputs import training_inputs
        from museumvqa.training.config import TrainConfig

        settings = load_settings(TrainConfig, config, overrides)  # settings and paths first: torch takes seconds
        training_inputs(train_table, val_table, shards_dir, out)

        from accelerate import PartialState

        from museumvqa.training.run import train as run_training

        result = run_training(settings, train_table, shards_dir, out, val_table=val_table, progress=not quiet)
        if not PartialState().is_main_process:  # under accelerate launch / torchrun: one report, not one per GPU
            return
        origin = (
            f"fine-tuned from {settings.base_model}"
            if settings.base_model
            else "trained from scratch (no pretrained weights)"
        )
        resumed = f", resumed from step {result.resumed_from}" if result.resumed_from is not None else ""
        scores = result.eval_history[-1] if result.eval_history else None
        score = f", validation exact match {scores['exact_match']:.1f}%" if scores else ""
        typer.echo(
            f"{settings.family} {origin}: {result.steps} steps{resumed}, final loss {result.final_loss:.3f}{score} -> {out}"
        )
