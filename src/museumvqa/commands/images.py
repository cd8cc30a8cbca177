"""CLI commands of shards: images (local files, URLs, IIIF) -> WebDataset shards."""

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
            Path,
            typer.Option(help="Output folder: shard-*.tar, index.parquet, rejects.parquet, ledger/, manifest.json."),
        ],
        image_size: Annotated[int, typer.Option(help="Long side of stored images, in pixels.")] = 384,
        per_shard: Annotated[int, typer.Option(help="Source images per tar shard.")] = 1000,
        roles: Annotated[str, typer.Option(help="Comma-separated image roles to keep.")] = "primary",
        quality: Annotated[int, typer.Option(help="JPEG quality of stored images.")] = 90,
        resize_mode: Annotated[str, typer.Option(help="keep (ratio), crop (centre square) or pad (square).")] = "keep",
        generated_views: Annotated[
            int, typer.Option(help="Generated views (crop, rotation, ...) per exhibit with a single photo.")
        ] = 0,
        image_root: Annotated[Path | None, typer.Option(help="Folder that relative image paths start from.")] = None,
        retry_failed: Annotated[
            bool, typer.Option("--retry-failed", help="Retry the items that failed before.")
        ] = False,
        workers: Annotated[int, typer.Option(help="Processes building shards in parallel.")] = 1,
        threads: Annotated[int, typer.Option(help="Download/decode threads per process.")] = 8,
        timeout: Annotated[float, typer.Option(help="Seconds before a download attempt is abandoned.")] = 20.0,
        retries: Annotated[int, typer.Option(help="Retries of a transient download failure.")] = 3,
        per_host: Annotated[int, typer.Option(help="Concurrent requests per host and process.")] = 8,
        min_success_rate: Annotated[
            float,
            typer.Option(help="Fail (exit 2, no manifest) when fewer than this share of the images is stored."),
        ] = 0.5,
        ray: Annotated[bool, typer.Option("--ray", help="Run on a local Ray instance.")] = False,
        ray_address: Annotated[
            str | None, typer.Option(help="Join this Ray cluster (the output folder must be shared storage).")
        ] = None,
        quiet: Quiet = False,
    ) -> None:
        """Fetch and resize the exhibits' images into WebDataset tar shards with a Parquet index; resumable."""
        from museumvqa.images.fetch import FetchSettings
        from museumvqa.images.shards import build_shards

        stats = build_shards(
            exhibits,
            out,
            image_size=image_size,
            per_shard=per_shard,
            roles=tuple(r.strip() for r in roles.split(",") if r.strip()),
            quality=quality,
            progress=not quiet,
            image_root=image_root,
            resize_mode=resize_mode,
            generated_views=generated_views,
            retry_failed=retry_failed,
            workers=workers,
            threads=threads,
            fetch=FetchSettings(timeout=timeout, retries=retries, per_host=per_host),
            ray=ray,
            ray_address=ray_address,
            min_success_rate=min_success_rate,
        )
        typer.echo(
            f"{stats.images_ok} images in {stats.shards} shards ({stats.generated} generated), "
            f"{stats.rejected} rejected (see {out / 'rejects.parquet'}); {stats.units_run} units built this run"
        )
