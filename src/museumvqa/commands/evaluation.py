"""CLI commands of evaluate and score."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from museumvqa.commands.common import Quiet


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""

    @app.command()
    def evaluate(
        run: Annotated[Path, typer.Option(help="Run folder holding benchmarks/ and shards/.")],
        model: Annotated[list[str], typer.Option(help="Model folder, hub id, or baseline:majority (repeatable).")],
        tasks: Annotated[str, typer.Option(help="Comma-separated tasks.")] = "general,category",
        batch_size: Annotated[int, typer.Option(help="Questions per batch.")] = 16,
        quiet: Quiet = False,
    ) -> None:
        """Answer the task sets with each model, write predictions JSONL and scores.json, print the table."""
        from museumvqa.evaluation.run import evaluate_run
        from museumvqa.evaluation.tables import scores_table

        scores = evaluate_run(run, model, tasks.split(","), batch_size, progress=not quiet)
        typer.echo(scores_table(scores))

    @app.command()
    def score(
        predictions: Annotated[
            Path, typer.Argument(help="Predictions JSONL (question_id, ..., answers, prediction, model).")
        ],
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    ) -> None:
        """Score a predictions file from any model."""
        from museumvqa.evaluation.score import score_file, scores_to_json
        from museumvqa.evaluation.tables import scores_table

        per_model = scores_to_json(score_file(predictions))
        result = {model: {"predictions": str(predictions), "tasks": tasks} for model, tasks in per_model.items()}
        typer.echo(json.dumps(result, indent=2) if as_json else scores_table(result))
