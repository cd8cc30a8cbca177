"""CLI commands of ask: answer a question about a photo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from museumvqa.commands.common import ConfigFile, Overrides, load_settings, option
from museumvqa.layout import RunLayout
from museumvqa.settings import ServeConfig


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""

    @app.command()
    def ask(
        image: Annotated[Path, typer.Argument(help="Photo of an exhibit.")],
        question: Annotated[str, typer.Argument(help="The question, e.g. 'Who made this?'.")],
        model: Annotated[str, typer.Option(help="Model folder (or hub id at a site with hub access).")],
        catalog: Annotated[
            Path | None,
            typer.Option(help="Run folder with exhibits/ and shards/: answer as `serve` does (exhibit recognised, "
                         "record answers in the asker's language); the reason goes to stderr."),
        ] = None,
        mode: Annotated[str, typer.Option(help="With --catalog: grounded, retrieval or model.")] = "grounded",
        language: Annotated[
            str | None, typer.Option(help="With --catalog: the asker's language (default: detected).")
        ] = None,
        min_inliers: Annotated[
            int | None,
            typer.Option(
                min=1,
                help="With --catalog: agreeing keypoint matches a photo needs to be recognised as a catalogued "
                "exhibit (default: as `serve`, the catalogue's own from `museumvqa calibrate`, else 15).",
            ),
        ] = None,
    ) -> None:
        """Answer a question about a photo."""
        if catalog is None:
            from museumvqa.serving.ask import ask as run_ask

            typer.echo(run_ask(image, question, model))
            return
        from museumvqa.inputs import run_folder

        layout = RunLayout(catalog)
        run_folder(catalog, "--catalog", (layout.exhibits.name, layout.shards.name))
        from museumvqa.serving.ask import ask_museum
        from museumvqa.serving.labels import page_words

        reply = ask_museum(image, question, model, catalog, mode, language, min_inliers)
        typer.echo(reply.answer if reply.answer is not None else page_words(reply.language)["ui"]["no_answer"])
        typer.echo(reply.why, err=True)

    @app.command()
    def calibrate(
        catalog: Annotated[Path, typer.Argument(help="Run folder with exhibits/ and shards/, e.g. runs/demo.")],
        seed: Annotated[int, typer.Option(help="Which half of the exhibits is indexed.")] = 0,
        views: Annotated[int, typer.Option(min=1, help="Visitor-like photos made of each image.")] = 2,
        min_precision: Annotated[
            float, typer.Option(min=0.5, max=1.0, help="Share of accepted photos that must be the right exhibit.")
        ] = 0.99,
    ) -> None:
        """Measure the recognition threshold on this catalogue's own images and save it for `serve` and `ask`."""
        from museumvqa.serving.calibration import calibrate_catalogue

        result = calibrate_catalogue(catalog, seed, views, min_precision)
        t = result.threshold
        negatives = sum(not s.positive for s in result.scored)
        typer.echo(
            f"min_inliers {t.min_inliers}: precision {t.precision:.3f}, recall {t.recall:.3f}, "
            f"{t.false_accepts:.1%} of {negatives} negatives accepted ({t.measured_on}); "
            f"saved to {RunLayout(catalog).open_set}"
        )

    @app.command()
    def serve(
        model: Annotated[Path, typer.Option(help="Model folder (safetensors), e.g. runs/demo/model.")],
        catalog: Annotated[Path, typer.Option(help="Run folder with exhibits/ and shards/, e.g. runs/demo.")],
        host: Annotated[str | None, option(ServeConfig, "host")] = None,
        port: Annotated[int | None, option(ServeConfig, "port", min=1, max=65535)] = None,
        max_upload_mb: Annotated[float | None, option(ServeConfig, "max_upload_mb")] = None,
        timeout: Annotated[float | None, option(ServeConfig, "timeout")] = None,
        concurrency: Annotated[int | None, option(ServeConfig, "concurrency")] = None,
        queue: Annotated[int | None, option(ServeConfig, "queue")] = None,
        min_inliers: Annotated[int | None, option(ServeConfig, "min_inliers", min=1)] = None,
        config: ConfigFile = None,
        overrides: Overrides = None,
    ) -> None:
        """Serve the visitor page and the API: ask about a photographed exhibit."""
        from museumvqa.inputs import free_port, run_folder
        from museumvqa.models.registry import model_family, model_source

        cfg = load_settings(
            ServeConfig,
            config,
            overrides,
            host=host,
            port=port,
            max_upload_mb=max_upload_mb,
            timeout=timeout,
            concurrency=concurrency,
            queue=queue,
            min_inliers=min_inliers,
        )
        layout = RunLayout(catalog)
        run_folder(catalog, "--catalog", (layout.exhibits.name, layout.shards.name))  # every check before torch loads
        model_family(model)
        model_source(model)
        free_port(cfg.host, cfg.port)

        from museumvqa.serving.app import ServeSettings
        from museumvqa.serving.server import serve as run_serve

        limits = ServeSettings(
            int(cfg.max_upload_mb * 1024 * 1024),
            timeout_s=cfg.timeout,
            max_concurrency=cfg.concurrency,
            max_queue=cfg.queue,
        )
        run_serve(model, catalog, cfg.host, cfg.port, limits, cfg.min_inliers)
