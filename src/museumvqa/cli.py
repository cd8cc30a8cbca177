"""`museumvqa <command>`: a thin layer over the library; a user's mistake is one line on stderr and exit 2."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from museumvqa.commands import (
    benchmarks,
    catalog,
    demo,
    evaluation,
    experiment,
    export,
    forgetting,
    harvest,
    images,
    questions,
    serving,
    training,
)
from museumvqa.errors import UserError

USER_ERROR_EXIT = 2  # the status a bad option gets too, so every user mistake exits alike


class MuseumGroup(TyperGroup):
    """Prints a UserError from any command as `error: <message>` and exits 2, under `main()` and `CliRunner` alike."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except UserError as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(USER_ERROR_EXIT) from None


app = typer.Typer(
    cls=MuseumGroup,
    help="Museum exhibits -> visual question answering: build the dataset, train, evaluate, ask.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain usage errors: a few lines, no boxes
)
for area in (
    catalog,
    harvest,
    questions,
    images,
    benchmarks,
    training,
    evaluation,
    forgetting,
    serving,
    demo,
    export,
    experiment,
):
    area.register(app)


def main() -> None:
    """Entry point: typer's standalone mode shows a bad option as a usage error (exit 2) and Ctrl-C exits 130."""
    app()
