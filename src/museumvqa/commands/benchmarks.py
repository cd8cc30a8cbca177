"""CLI commands of benchmarks: split and the five task sets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from museumvqa.commands.common import ConfigFile, Overrides, load_settings, option, split
from museumvqa.settings import BenchmarksConfig


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
        seed: Annotated[int | None, option(BenchmarksConfig, "seed")] = None,
        val_fraction: Annotated[float | None, option(BenchmarksConfig, "val_fraction")] = None,
        test_fraction: Annotated[float | None, option(BenchmarksConfig, "test_fraction")] = None,
        test_museum: Annotated[
            list[str] | None, typer.Option(help="Hold this museum out whole as the test set (repeatable).")
        ] = None,
        tasks: Annotated[str | None, typer.Option(help="Comma-separated tasks, or 'all'.")] = None,
        train_languages: Annotated[
            str | None, typer.Option(help="Comma-separated languages of train/val (e.g. en: the paper's setting).")
        ] = None,
        leak_min_matches: Annotated[int | None, option(BenchmarksConfig, "leak_min_matches")] = None,
        memory_limit: Annotated[str | None, option(BenchmarksConfig, "memory_limit")] = None,
        batch_rows: Annotated[int | None, option(BenchmarksConfig, "batch_rows")] = None,
        workers: Annotated[int | None, option(BenchmarksConfig, "workers", min=1)] = None,
        ray: Annotated[bool | None, option(BenchmarksConfig, "ray", "--ray")] = None,
        ray_address: Annotated[str | None, option(BenchmarksConfig, "ray_address")] = None,
        config: ConfigFile = None,
        overrides: Overrides = None,
    ) -> None:
        """Split by exhibit (or hold out museums), remove near-duplicate leaks, build the task sets."""
        cfg = load_settings(
            BenchmarksConfig,
            config,
            overrides,
            seed=seed,
            val_fraction=val_fraction,
            test_fraction=test_fraction,
            test_museums=test_museum,
            tasks=None if tasks == "all" else split(tasks),
            train_languages=split(train_languages),
            leak_min_matches=leak_min_matches,
            memory_limit=memory_limit,
            batch_rows=batch_rows,
            workers=workers,
            ray=ray,
            ray_address=ray_address,
        )
        from museumvqa.tasks.build import build_benchmarks
        from museumvqa.tasks.registry import task_names

        manifest = build_benchmarks(
            questions,
            index,
            out,
            cfg.seed,
            cfg.val_fraction,
            cfg.test_fraction,
            cfg.tasks or task_names(),
            exhibits=exhibits,
            test_museums=cfg.test_museums,
            train_languages=cfg.train_languages,
            leak_min_matches=cfg.leak_check,
            memory_limit=cfg.memory_limit,
            batch_rows=cfg.batch_rows,
            workers=cfg.workers,
            ray=cfg.ray,
            ray_address=cfg.ray_address,
        )
        leaks = manifest["leaks"]
        removed = f" ({leaks['test_exhibits_removed']} test exhibits removed)" if leaks["checked"] else " (not checked)"
        typer.echo(f"exhibits {manifest['exhibits']}; leaks {leaks['pairs']}{removed}; in {out}")
        for name, info in manifest["tasks"].items():
            note = f"empty: {info['empty_reason']}" if not info["rows"] else f"version {info['content_hash']}"
            typer.echo(f"  {name}: {info['rows']} rows, {info['questions']} questions ({note})")
