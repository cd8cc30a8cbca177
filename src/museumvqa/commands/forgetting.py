"""CLI command `museumvqa forgetting`: a model before and after fine-tuning on a general VQA set.

A command of its own rather than `evaluate --general`: evaluate answers one run's task sets with any
answerers, while this compares exactly two models on questions that belong to no run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""

    @app.command()
    def forgetting(
        before: Annotated[str, typer.Option(help="The model before fine-tuning: a model folder or hub id.")],
        after: Annotated[str, typer.Option(help="The fine-tuned model: a model folder or hub id.")],
        general: Annotated[str, typer.Option(help="General (non-museum) VQA set that ships offline.")] = "easy-vqa",
        limit: Annotated[
            int, typer.Option(help="Questions drawn from the set's test split (with --seed).", min=1)
        ] = 1000,
        run: Annotated[
            Path | None,
            typer.Option(help="Run folder to write forgetting.json and both predictions into; its report shows it."),
        ] = None,
        batch_size: Annotated[int, typer.Option(help="Questions answered per batch.", min=1)] = 16,
        bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples for the 95% intervals.", min=1)] = 1000,
        seed: Annotated[int, typer.Option(help="Seed of the questions drawn and of the resamples.")] = 0,
        as_json: Annotated[bool, typer.Option("--json", help="Print forgetting.json instead of a table.")] = False,
    ) -> None:
        """Score both models on the same general VQA questions: before, after, and after minus before with a
        paired 95% bootstrap interval (negative: the fine-tune forgot)."""
        from museumvqa.inputs import input_folder

        if run is not None:
            input_folder(run, "--run", "a run folder, e.g. runs/demo")

        from museumvqa.evaluation.forgetting import forgetting_check, forgetting_table

        result = forgetting_check(before, after, general, limit, run, batch_size, bootstrap, seed)
        typer.echo(json.dumps(result, indent=2) if as_json else forgetting_table(result).markdown())
