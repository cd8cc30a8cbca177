"""CLI commands of shards: images -> WebDataset shards."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from museumvqa.commands.common import Quiet


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""

    @app.command()
    def shards(
        exhibits: Annotated[Path, typer.Option(help="Folder of exhibit Parquet files (from ingest).")],
        out: Annotated[
            Path, typer.Option(help="Output folder: shard-*.tar, index.parquet, rejects.parquet, manifest.json.")
        ],
        image_size: Annotated[int, typer.Option(help="Long side of stored images, in pixels.")] = 384,
        per_shard: Annotated[int, typer.Option(help="Images per tar shard.")] = 1000,
        quiet: Quiet = False,
    ) -> None:
        """Resize the exhibits' images into WebDataset tar shards with a Parquet index."""
        from museumvqa.images.shards import build_shards

        stats = build_shards(exhibits, out, image_size=image_size, per_shard=per_shard, progress=not quiet)
        typer.echo(
            f"{stats.images_ok} images in {stats.shards} shards, {stats.rejected} rejected (see {out / 'rejects.parquet'})"
        )
