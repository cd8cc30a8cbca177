"""CLI commands of ingest: museum records -> exhibits."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from museumvqa.commands.common import Quiet


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""

    @app.command()
    def ingest(
        inputs: Annotated[
            list[Path], typer.Argument(help="Met Collection API JSON files (list, {'objects': [...]}, or JSON Lines).")
        ],
        out: Annotated[Path, typer.Option(help="Output folder: exhibits/, rejects/, catalog_manifest.json.")],
        format: Annotated[str, typer.Option("--format", help="Source format.")] = "met-api",
        image_dir: Annotated[Path | None, typer.Option(help="Folder of local <objectID>.jpg images.")] = None,
        quiet: Quiet = False,
    ) -> None:
        """Read museum records into normalised exhibits; unusable records go to rejects with a reason."""
        from museumvqa.catalog.adapters import get_adapter
        from museumvqa.catalog.ingest import ingest as run_ingest

        adapter_cls = get_adapter(format)
        adapter = adapter_cls(image_dir) if image_dir else adapter_cls()
        stats = run_ingest(inputs, out, adapter, progress=not quiet)
        typer.echo(f"{stats.records} records -> {stats.exhibits} exhibits + {stats.rejects} rejects in {out}")
