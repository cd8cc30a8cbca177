"""CLI commands of benchmarks: split and task sets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""

    @app.command()
    def benchmarks(
        questions: Annotated[Path, typer.Option(help="qa.parquet from `questions`.")],
        index: Annotated[Path, typer.Option(help="index.parquet from `shards`.")],
        out: Annotated[Path, typer.Option(help="Output folder for the split and the task sets.")],
        seed: Annotated[int, typer.Option(help="Split seed.")] = 0,
        val_fraction: Annotated[float, typer.Option(help="Share of exhibits for validation.")] = 0.1,
        test_fraction: Annotated[float, typer.Option(help="Share of exhibits for test.")] = 0.2,
    ) -> None:
        """Split by exhibit and build the task sets (general, category)."""
        from museumvqa.benchmarks.tasks import build_benchmarks

        manifest = build_benchmarks(questions, index, out, seed, val_fraction, test_fraction)
        typer.echo(f"exhibits {manifest['exhibits']}; questions {manifest['counts']} in {out}")
