"""CLI commands of the catalogue: `ingest` (records -> exhibits) and `catalog stats|query`."""

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
            list[Path],
            typer.Argument(help="Catalogue files or folders (Met API JSON, Met CSV, Tate JSON, LIDO XML, or mapped)."),
        ],
        out: Annotated[Path, typer.Option(help="Output folder: exhibits/, people/, rejects/, catalog_manifest.json.")],
        format: Annotated[
            str | None,
            typer.Option("--format", help="met-api | met-csv | tate | lido | mapping; detected per input if absent."),
        ] = None,
        mapping: Annotated[
            Path | None, typer.Option(help="YAML mapping for generic CSV/JSON/JSONL (implies --format mapping).")
        ] = None,
        image_dir: Annotated[Path | None, typer.Option(help="Folder of local <objectID>.jpg images (met-api).")] = None,
        quiet: Quiet = False,
    ) -> None:
        """Read museum records into normalised exhibits; unusable records go to rejects with a reason."""
        from museumvqa.catalog.adapters import make_adapter
        from museumvqa.catalog.ingest import ingest as run_ingest

        if mapping is not None and format is None:
            format = "mapping"
        if image_dir is not None and format is None:
            format = "met-api"
        adapter = make_adapter(format, image_dir=image_dir, mapping=mapping) if format else None
        stats = run_ingest(inputs, out, adapter, progress=not quiet)
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
