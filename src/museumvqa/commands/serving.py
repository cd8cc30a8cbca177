"""CLI commands of ask: answer a question about a photo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""

    @app.command()
    def ask(
        image: Annotated[Path, typer.Argument(help="Photo of an exhibit.")],
        question: Annotated[str, typer.Argument(help="The question, e.g. 'Who made this?'.")],
        model: Annotated[str, typer.Option(help="Model folder (or hub id at a site with hub access).")],
    ) -> None:
        """Answer a question about a photo."""
        from museumvqa.serving.ask import ask as run_ask

        typer.echo(run_ask(image, question, model))
