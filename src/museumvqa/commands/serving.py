"""CLI commands of ask: answer a question about a photo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from museumvqa.errors import UserError


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

    @app.command()
    def serve(
        model: Annotated[Path, typer.Option(help="Model folder (safetensors), e.g. runs/demo/model.")],
        catalog: Annotated[Path, typer.Option(help="Run folder with exhibits/ and shards/, e.g. runs/demo.")],
        host: Annotated[str, typer.Option(help="Address to bind; only this machine by default.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
        max_upload_mb: Annotated[float, typer.Option(help="Largest accepted photo, in MiB (413 above).")] = 10.0,
        timeout: Annotated[float, typer.Option(help="Seconds one answer may take (504 after).")] = 30.0,
        concurrency: Annotated[int, typer.Option(help="Answers computed at once.")] = 4,
        queue: Annotated[
            int, typer.Option(help="Requests that may wait for a slot; more get 503 with Retry-After.")
        ] = 8,
    ) -> None:
        """Serve the visitor page and the API: ask about a photographed exhibit."""
        from museumvqa.inputs import free_port, run_folder
        from museumvqa.models.registry import model_family, model_source

        if concurrency < 1 or queue < 0 or timeout <= 0 or max_upload_mb <= 0:
            raise UserError("--concurrency must be at least 1, --queue 0 or more, --timeout and --max-upload-mb above 0")
        run_folder(catalog, "--catalog", ("exhibits", "shards"))  # every check before torch loads (seconds)
        model_family(model)
        model_source(model)
        free_port(host, port)

        from museumvqa.serving.app import ServeSettings
        from museumvqa.serving.server import serve as run_serve

        settings = ServeSettings(
            int(max_upload_mb * 1024 * 1024), timeout_s=timeout, max_concurrency=concurrency, max_queue=queue
        )
        run_serve(model, catalog, host, port, settings)
