"""CLI commands of the catalogue: `ingest` (records -> exhibits) and `catalog stats|query`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from museumvqa.commands.common import ConfigFile, Overrides, Quiet, load_settings, option
from museumvqa.errors import UserError
from museumvqa.settings import IngestConfig


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""

    @app.command()
    def ingest(
        inputs: Annotated[
            list[str],
            typer.Argument(
                help="Catalogue files or folders, each optionally PATH:FORMAT or PATH:MAPPING.yaml "
                "(Met API JSON, Met CSV, Tate JSON, LIDO XML, or mapped); formats are detected otherwise."
            ),
        ],
        out: Annotated[Path, typer.Option(help="Output folder: exhibits/, people/, rejects/, catalog_manifest.json.")],
        format: Annotated[str | None, option(IngestConfig, "format", "--format")] = None,
        mapping: Annotated[Path | None, option(IngestConfig, "mapping")] = None,
        image_dir: Annotated[Path | None, option(IngestConfig, "image_dir")] = None,
        museum: Annotated[str | None, option(IngestConfig, "museum")] = None,
        append: Annotated[bool, typer.Option("--append", help="Add to the catalogue already in --out.")] = False,
        replace: Annotated[bool, typer.Option("--replace", help="Replace the catalogue already in --out.")] = False,
        allow_rejects: Annotated[bool | None, option(IngestConfig, "allow_rejects", "--allow-rejects")] = None,
        max_reject_share: Annotated[float | None, option(IngestConfig, "max_reject_share")] = None,
        workers: Annotated[int | None, option(IngestConfig, "workers", min=1)] = None,
        ray: Annotated[bool | None, option(IngestConfig, "ray", "--ray")] = None,
        ray_address: Annotated[str | None, option(IngestConfig, "ray_address")] = None,
        config: ConfigFile = None,
        overrides: Overrides = None,
        quiet: Quiet = False,
    ) -> None:
        """Read museum records into normalised exhibits; unusable records go to rejects with a reason.

        Several catalogues combine in one run: `ingest met.json tate/ nga.csv:nga.yaml --out RUN`, or
        later `ingest more.xml --out RUN --append`. Ingest fails (and writes nothing) when one reject
        reason covers more than --max-reject-share of a file's records, unless --allow-rejects.
        """
        from museumvqa.catalog.ingest import RejectGuard
        from museumvqa.catalog.ingest import ingest as run_ingest
        from museumvqa.catalog.sources import parse_sources

        if append and replace:
            raise UserError("--append and --replace exclude each other")
        mode = "append" if append else "replace" if replace else None
        cfg = load_settings(
            IngestConfig,
            config,
            overrides,
            format=format,
            mapping=mapping,
            image_dir=image_dir,
            museum=museum,
            mode=mode,
            allow_rejects=allow_rejects,
            max_reject_share=max_reject_share,
            workers=workers,
            ray=ray,
            ray_address=ray_address,
        )
        sources = parse_sources(
            inputs, format=cfg.format, mapping=cfg.mapping, image_dir=cfg.image_dir, museum=cfg.museum
        )
        guard = RejectGuard(max_share=cfg.max_reject_share, allow=cfg.allow_rejects)
        stats = run_ingest(
            sources,
            out,
            progress=not quiet,
            mode=cfg.mode,
            guard=guard,
            workers=cfg.workers,
            ray=cfg.ray,
            ray_address=cfg.ray_address,
        )
        typer.echo(f"{stats.summary()} -> {out}")

    catalog = typer.Typer(help="Inspect an ingested catalogue.", no_args_is_help=True)
    app.add_typer(catalog, name="catalog")

    @catalog.command("stats")
    def stats(
        run_dir: Annotated[Path, typer.Argument(help="An ingest output folder.")],
        top: Annotated[int, typer.Option(help="How many object types to list.")] = 10,
    ) -> None:
        """Counts per museum, object type and language, and how many exhibits have each attribute."""
        from museumvqa.catalog.stats import catalog_stats, format_stats

        typer.echo(format_stats(catalog_stats(run_dir, top=top)))

    @catalog.command("query")
    def query(
        run_dir: Annotated[Path, typer.Argument(help="An ingest output folder.")],
        sql: Annotated[str, typer.Argument(help="DuckDB SQL over the views exhibits, people, rejects.")],
    ) -> None:
        """Run SQL on the catalogue; prints tab-separated rows with a header."""
        from museumvqa.catalog.query import format_rows, run_query

        typer.echo(format_rows(*run_query(run_dir, sql)))
