"""CLI commands of demo: every stage on the sample."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from museumvqa.commands.common import ConfigFile, Overrides, Quiet


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
        from museumvqa.config import load_config
        from museumvqa.inputs import output_folder
        from museumvqa.pipeline import DemoConfig, run_demo

        settings = load_config(DemoConfig, config, overrides or [])
        output_folder(out)

        from museumvqa.evaluation.tables import scores_table

        report = run_demo(out, settings, force=force, progress=not quiet)
        typer.echo(scores_table(json.loads((out / "scores.json").read_text())))
        typer.echo(f"report: {report}")
