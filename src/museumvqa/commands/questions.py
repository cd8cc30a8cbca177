"""CLI commands of questions: exhibits -> QA pairs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from museumvqa.commands.common import Quiet


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""

    @app.command()
    def questions(
        exhibits: Annotated[Path, typer.Option(help="Folder of exhibit Parquet files (from ingest).")],
        out: Annotated[Path, typer.Option(help="Output folder: qa.parquet, manifest.json.")],
        languages: Annotated[str, typer.Option(help="Comma-separated template languages.")] = "en",
        categories: Annotated[str | None, typer.Option(help="Comma-separated categories (default: all).")] = None,
        max_per_category: Annotated[int, typer.Option(help="Questions per exhibit and category.")] = 1,
        seed: Annotated[int, typer.Option(help="Seed of template choice.")] = 0,
        quiet: Quiet = False,
    ) -> None:
        """Generate question/answer pairs from the exhibits' attributes."""
        from museumvqa.questions.generate import generate_questions

        counts = generate_questions(
            exhibits,
            out,
            languages.split(","),
            categories.split(",") if categories else None,
            max_per_category,
            seed,
            not quiet,
        )
        typer.echo(
            f"{sum(counts.values())} QA pairs in {out / 'qa.parquet'}: "
            + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        )
