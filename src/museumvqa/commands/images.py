"""CLI commands of shards: images (local files, URLs, IIIF) -> WebDataset shards."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from museumvqa.commands.common import ConfigFile, Overrides, Quiet, load_settings, option, split
from museumvqa.images.fetch import FetchSettings
from museumvqa.layout import RunLayout
from museumvqa.settings import ShardsConfig


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""

    @app.command()
    def shards(
        exhibits: Annotated[Path, typer.Option(help="Folder of exhibit Parquet files (from ingest).")],
        out: Annotated[
            Path,
            typer.Option(help="Output folder: shard-*.tar, index.parquet, rejects.parquet, ledger/, manifest.json."),
        ],
        image_size: Annotated[int | None, option(ShardsConfig, "image_size")] = None,
        per_shard: Annotated[int | None, option(ShardsConfig, "per_shard")] = None,
        roles: Annotated[str | None, option(ShardsConfig, "roles")] = None,
        quality: Annotated[int | None, option(ShardsConfig, "quality")] = None,
        resize_mode: Annotated[str | None, option(ShardsConfig, "resize_mode")] = None,
        generated_views: Annotated[int | None, option(ShardsConfig, "generated_views")] = None,
        image_root: Annotated[Path | None, option(ShardsConfig, "image_root")] = None,
        retry_failed: Annotated[bool | None, option(ShardsConfig, "retry_failed", "--retry-failed")] = None,
        workers: Annotated[int | None, option(ShardsConfig, "workers")] = None,
        threads: Annotated[int | None, option(ShardsConfig, "threads")] = None,
        timeout: Annotated[
            float | None, option(FetchSettings, "timeout", help="Seconds before a download attempt is abandoned.")
        ] = None,
        retries: Annotated[
            int | None, option(FetchSettings, "retries", help="Retries of a transient download failure.")
        ] = None,
        per_host: Annotated[
            int | None, option(FetchSettings, "per_host", help="Concurrent requests per host and process.")
        ] = None,
        min_success_rate: Annotated[float | None, option(ShardsConfig, "min_success_rate")] = None,
        ray: Annotated[bool | None, option(ShardsConfig, "ray", "--ray")] = None,
        ray_address: Annotated[str | None, option(ShardsConfig, "ray_address")] = None,
        config: ConfigFile = None,
        overrides: Overrides = None,
        quiet: Quiet = False,
    ) -> None:
        """Fetch and resize the exhibits' images into WebDataset tar shards with a Parquet index; resumable."""
        from museumvqa.images.shards import build_shards

        shard_settings = load_settings(
            ShardsConfig,
            config,
            overrides,
            image_size=image_size,
            per_shard=per_shard,
            roles=tuple(split(roles)) if roles is not None else None,
            quality=quality,
            resize_mode=resize_mode,
            generated_views=generated_views,
            image_root=image_root,
            retry_failed=retry_failed,
            workers=workers,
            threads=threads,
            min_success_rate=min_success_rate,
            ray=ray,
            ray_address=ray_address,
            **{"fetch.timeout": timeout, "fetch.retries": retries, "fetch.per_host": per_host},
        )
        stats = build_shards(exhibits, out, shard_settings, progress=not quiet)
        typer.echo(
            f"{stats.images_ok} images in {stats.shards} shards ({stats.generated} generated), "
            f"{stats.rejected} rejected (see {out / RunLayout.REJECTS}); {stats.units_run} units built this run"
        )
