"""CLI commands of benchmarks: split and the five task sets."""

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
        exhibits: Annotated[
            Path | None, typer.Option(help="Exhibits folder from `ingest`: museum and continent of each exhibit.")
        ] = None,
        seed: Annotated[int, typer.Option(help="Split seed.")] = 0,
        val_fraction: Annotated[float, typer.Option(help="Share of exhibits for validation.")] = 0.1,
        test_fraction: Annotated[float, typer.Option(help="Share of exhibits for test (exhibit split).")] = 0.2,
        test_museum: Annotated[
            list[str] | None, typer.Option(help="Hold this museum out whole as the test set (repeatable).")
        ] = None,
        tasks: Annotated[str, typer.Option(help="Comma-separated tasks, or 'all'.")] = "all",
        max_leak_distance: Annotated[
            int, typer.Option(help="Near-duplicate threshold in hash bits; -1 skips the check.")
        ] = 4,
    ) -> None:
        """Split by exhibit (or hold out museums), remove near-duplicate leaks, build the task sets."""
        from museumvqa.benchmarks.tasks import TASK_NAMES, build_benchmarks

        manifest = build_benchmarks(
            questions,
            index,
            out,
            seed,
            val_fraction,
            test_fraction,
            TASK_NAMES if tasks == "all" else tuple(tasks.split(",")),
            exhibits=exhibits,
            test_museums=test_museum or (),
            max_leak_distance=None if max_leak_distance < 0 else max_leak_distance,
        )
        typer.echo(f"exhibits {manifest['exhibits']}; leaks {manifest['leaks']['pairs']}; in {out}")
        for name, info in manifest["tasks"].items():
            note = f"empty: {info['empty_reason']}" if not info["rows"] else f"version {info['content_hash']}"
            typer.echo(f"  {name}: {info['rows']} rows, {info['questions']} questions ({note})")
