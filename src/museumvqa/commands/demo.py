"""CLI commands of demo: every stage on the sample."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from museumvqa.commands.common import ConfigFile, Overrides, Quiet, load_settings


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""

    @app.command()
    def demo(
        out: Annotated[Path, typer.Option(help="Run folder.")] = Path("runs/demo"),
        force: Annotated[bool, typer.Option("--force", help="Redo finished stages.")] = False,
        config: ConfigFile = None,
        overrides: Overrides = None,
        quiet: Quiet = False,
    ) -> None:
        """All stages on the built-in 174-painting Met sample; ends with the score table and report.md."""
        from museumvqa.inputs import output_folder
        from museumvqa.settings import DemoConfig

        demo_settings = load_settings(DemoConfig, config, overrides)  # before the pipeline loads torch
        output_folder(out)

        from museumvqa.evaluation.tables import scores_table
        from museumvqa.layout import RunLayout
        from museumvqa.pipeline import run_demo

        report = run_demo(out, demo_settings, force=force, progress=not quiet)
        typer.echo(scores_table(json.loads(RunLayout(out).scores.read_text())))
        typer.echo(f"report: {report}")
