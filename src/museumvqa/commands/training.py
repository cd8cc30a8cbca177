"""CLI commands of train: fine-tune a model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from museumvqa.commands.common import ConfigFile, Overrides


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""

    @app.command()
    def train(
        train_table: Annotated[Path, typer.Option("--train", help="train.parquet from `benchmarks`.")],
        shards_dir: Annotated[Path, typer.Option("--shards", help="Shards folder from `shards`.")],
        out: Annotated[Path, typer.Option(help="Model folder (save_pretrained, safetensors, with processor).")],
        config: ConfigFile = None,
        overrides: Overrides = None,
    ) -> None:
        """Train BLIP: a tiny one from scratch on the CPU by default (no pretrained weights), or base_model."""
        from museumvqa.config import load_config
        from museumvqa.training.blip_trainer import TrainConfig, train_from_run

        settings = load_config(TrainConfig, config, overrides or [])
        result = train_from_run(train_table, shards_dir, out, settings)
        origin = (
            f"fine-tuned from {settings.base_model}"
            if settings.base_model
            else "trained from scratch (no pretrained weights)"
        )
        typer.echo(f"{origin}: {result.steps} steps, final loss {result.final_loss:.3f} -> {out}")
