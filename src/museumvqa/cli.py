"""`museumvqa <command>`: a thin layer over the library; a user's mistake is one line on stderr and exit 1."""

from __future__ import annotations

import sys

import click
import typer

from museumvqa.commands import (
    benchmarks,
    catalog,
    demo,
    evaluation,
    experiment,
    export,
    images,
    questions,
    serving,
    training,
)
from museumvqa.errors import UserError

app = typer.Typer(
    help="Museum exhibits -> visual question answering: build the dataset, train, evaluate, ask.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
for area in (catalog, questions, images, benchmarks, training, evaluation, serving, demo, export, experiment):
    area.register(app)


def main() -> None:
    """Entry point: run the app, turning a UserError into one line on stderr and exit status 1."""
    try:
        app(standalone_mode=False)
    except UserError as e:
        typer.echo(f"error: {e}", err=True)
        sys.exit(1)
    except click.exceptions.Abort:
        sys.exit(130)
    except click.exceptions.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
