"""CLI command `harvest`: an OAI-PMH repository's records into a folder that `ingest` reads."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from museumvqa.commands.common import ConfigFile, Overrides, Quiet, load_settings, option
from museumvqa.errors import UserError
from museumvqa.settings import HarvestConfig


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""

    @app.command()
    def harvest(
        url: Annotated[str, typer.Argument(help="The repository's OAI-PMH base URL, e.g. https://example.org/oai.")],
        out: Annotated[
            Path | None, typer.Option(help="Folder for the harvested pages (page-NNNNNN.xml) and harvest_state.json.")
        ] = None,
        metadata_prefix: Annotated[str | None, option(HarvestConfig, "metadata_prefix", "--metadata-prefix")] = None,
        set_spec: Annotated[str | None, option(HarvestConfig, "set_spec", "--set-spec")] = None,
        from_date: Annotated[str | None, option(HarvestConfig, "from_date", "--from")] = None,
        until_date: Annotated[str | None, option(HarvestConfig, "until_date", "--until")] = None,
        rate: Annotated[float | None, option(HarvestConfig, "rate")] = None,
        timeout: Annotated[float | None, option(HarvestConfig, "timeout")] = None,
        retries: Annotated[int | None, option(HarvestConfig, "retries")] = None,
        max_pages: Annotated[int | None, option(HarvestConfig, "max_pages")] = None,
        restart: Annotated[
            bool, typer.Option("--restart", help="Start over: replace the harvest already in --out (any request).")
        ] = False,
        identify: Annotated[bool, typer.Option("--identify", help="Print the repository's Identify and exit.")] = False,
        list_formats: Annotated[
            bool, typer.Option("--list-formats", help="Print the metadata prefixes it offers and exit.")
        ] = False,
        list_sets: Annotated[
            bool, typer.Option("--list-sets", help="Print its sets (setSpec, name) and exit.")
        ] = False,
        config: ConfigFile = None,
        overrides: Overrides = None,
        quiet: Quiet = False,
    ) -> None:
        """Harvest records over OAI-PMH (ListRecords, following resumption tokens) into --out.

        Each page is stored as the repository sent it; `museumvqa ingest OUT --out RUN` reads the
        folder (LIDO, or EDM once that adapter is installed). A killed or failed harvest resumes
        from its last resumption token when the same command is run again. The OAI set is
        --set-spec (--set overrides settings, as in every command).
        """
        from museumvqa.catalog.harvest import OaiClient
        from museumvqa.catalog.harvest import harvest as run_harvest
        from museumvqa.catalog.harvest.protocol import check_base_url

        cfg = load_settings(
            HarvestConfig,
            config,
            overrides,
            metadata_prefix=metadata_prefix,
            set_spec=set_spec,
            from_date=from_date,
            until_date=until_date,
            rate=rate,
            timeout=timeout,
            retries=retries,
            max_pages=max_pages,
        )
        asked = [
            name
            for name, flag in (("--identify", identify), ("--list-formats", list_formats), ("--list-sets", list_sets))
            if flag
        ]
        if len(asked) > 1:
            raise UserError(f"{' and '.join(asked)} exclude each other; give one")
        if asked:
            try:
                check_base_url(url)
            except ValueError as e:
                raise UserError(str(e)) from None
            client = OaiClient(url, cfg)
            if identify:
                for name, values in client.identify().items():
                    for value in values:
                        typer.echo(f"{name}: {value}")
            elif list_formats:
                for f in client.list_formats():
                    typer.echo(f"{f.prefix}\t{f.schema or ''}\t{f.namespace or ''}")
            else:
                found = 0
                for s in client.list_sets():
                    found += 1
                    typer.echo(f"{s.spec}\t{s.name or ''}")
                if not found:
                    typer.echo("(this repository has no sets)", err=True)
            return
        if out is None:
            raise UserError("give --out DIR for the harvested pages (or --identify, --list-formats, --list-sets)")
        stats = run_harvest(url, out, cfg, restart=restart, progress=not quiet)
        typer.echo(f"{stats.summary()} -> {out}")
        if stats.complete and stats.records:
            from museumvqa.catalog.adapters import ADAPTERS

            source = f"{out}:{cfg.metadata_prefix}" if cfg.metadata_prefix in ADAPTERS else str(out)
            typer.echo(f"next: museumvqa ingest {source} --out RUN")
