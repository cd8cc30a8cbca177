"""CLI commands of evaluate, score and report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from museumvqa.commands.common import ConfigFile, Overrides, Quiet, load_settings, option, split
from museumvqa.evaluation.api_answerer import ApiSettings
from museumvqa.layout import RunLayout
from museumvqa.settings import EvaluateConfig


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""

    @app.command()
    def evaluate(
        run: Annotated[Path, typer.Option(help="Run folder holding benchmarks/ and shards/.")],
        model: Annotated[
            list[str],
            typer.Option(
                help="Model folder, hub id, a baseline (trained on the training split only: baseline:majority, "
                "baseline:question-only, baseline:retrieval), an oracle that reads the test records "
                "(oracle:catalogue), file:PREDICTIONS.jsonl, or a model behind an OpenAI-compatible API, "
                "openai:MODEL@http://host:port/v1 (key from $OPENAI_API_KEY) (repeatable)."
            ),
        ],
        tasks: Annotated[
            str | None, typer.Option(help="Comma-separated tasks, or 'all' (empty task sets are skipped).")
        ] = None,
        batch_size: Annotated[int | None, option(EvaluateConfig, "batch_size", min=1)] = None,
        bootstrap: Annotated[int | None, option(EvaluateConfig, "bootstrap", min=1)] = None,
        seed: Annotated[int | None, option(EvaluateConfig, "seed")] = None,
        semantic: Annotated[bool | None, option(EvaluateConfig, "semantic", "--semantic/--no-semantic")] = None,
        max_new_tokens: Annotated[int | None, option(EvaluateConfig, "max_new_tokens", min=1)] = None,
        api_concurrency: Annotated[int | None, option(ApiSettings, "concurrency", "--api-concurrency", min=1)] = None,
        api_timeout: Annotated[float | None, option(ApiSettings, "timeout", "--api-timeout")] = None,
        workers: Annotated[int | None, option(EvaluateConfig, "workers", min=1)] = None,
        ray: Annotated[bool | None, option(EvaluateConfig, "ray", "--ray")] = None,
        ray_address: Annotated[str | None, option(EvaluateConfig, "ray_address")] = None,
        config: ConfigFile = None,
        overrides: Overrides = None,
        quiet: Quiet = False,
    ) -> None:
        """Answer the task sets with each model, write predictions JSONL and scores.json, print the table.

        Under `accelerate launch` each process answers a slice; the main process merges and scores. With
        --workers N (and --ray) N processes (Ray tasks) answer the slices instead."""
        from museumvqa.inputs import input_file, run_folder

        cfg = load_settings(
            EvaluateConfig,
            config,
            overrides,
            tasks=None if tasks == "all" else split(tasks),
            batch_size=batch_size,
            bootstrap=bootstrap,
            seed=seed,
            semantic=semantic,
            max_new_tokens=max_new_tokens,
            workers=workers,
            ray=ray,
            ray_address=ray_address,
            **{"api.concurrency": api_concurrency, "api.timeout": api_timeout},
        )
        layout = RunLayout(run)
        run_folder(run, "--run", (layout.benchmarks.name, layout.shards.name))  # before torch and accelerate load
        input_file(layout.manifest(layout.benchmarks), "--run", "a run whose `benchmarks` stage finished")

        from accelerate import Accelerator

        from museumvqa.evaluation.run import evaluate_run
        from museumvqa.evaluation.tables import scores_table

        accelerator = Accelerator()
        scores = evaluate_run(
            run,
            model,
            cfg.tasks,
            cfg.batch_size,
            cfg.bootstrap,
            progress=not quiet,
            seed=cfg.seed,
            semantic=cfg.semantic,
            accelerator=accelerator,
            max_new_tokens=cfg.max_new_tokens,
            api=cfg.api,
            workers=cfg.workers,
            ray=cfg.ray,
            ray_address=cfg.ray_address,
        )
        if accelerator.is_main_process:
            typer.echo(scores_table(scores))

    @app.command()
    def score(
        predictions: Annotated[
            Path, typer.Argument(help="Predictions JSONL (question_id, ..., answers, prediction, model).")
        ],
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
        semantic: Annotated[bool, typer.Option(help="Add semantic match (all-MiniLM-L6-v2, offline).")] = False,
        bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples for the 95% intervals.", min=1)] = 1000,
    ) -> None:
        """Score a predictions file from any model."""
        from museumvqa.inputs import input_file

        input_file(predictions, "PREDICTIONS", "a predictions JSONL file (from `evaluate` or your own model)")

        from museumvqa.evaluation.score import score_file, scores_to_json
        from museumvqa.evaluation.semantic import SemanticMatcher
        from museumvqa.evaluation.tables import scores_table

        matcher = SemanticMatcher() if semantic else None
        per_model = scores_to_json(score_file(predictions, bootstrap=bootstrap, semantic=matcher))
        result = {model: {"predictions": str(predictions), "tasks": tasks} for model, tasks in per_model.items()}
        typer.echo(json.dumps(result, indent=2) if as_json else scores_table(result))

    @app.command()
    def compare(
        predictions: Annotated[
            list[Path], typer.Argument(help="Predictions JSONL files holding two or more answerers on the same rows.")
        ],
        metric: Annotated[
            list[str] | None,
            typer.Option(
                help="Metric to compare (repeatable; default: partial_precision, complete_precision, exact_match)."
            ),
        ] = None,
        bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples for the 95% intervals.", min=1)] = 1000,
        seed: Annotated[int, typer.Option(help="Seed of the resamples.")] = 0,
    ) -> None:
        """Paired differences: the first answerer minus each other one, per task, on the same rows (refused
        when the rows differ), with a paired bootstrap interval."""
        from museumvqa.inputs import input_file

        for path in predictions:
            input_file(path, "PREDICTIONS", "a predictions JSONL file (from `evaluate` or your own model)")

        from museumvqa.evaluation.comparisons import HEADLINE_METRICS, compare_files
        from museumvqa.evaluation.tables import paired_table

        metrics = metric or list(HEADLINE_METRICS)
        first, differences = compare_files(predictions, metrics, bootstrap=bootstrap, seed=seed)
        typer.echo(paired_table(first, differences, metrics).markdown())

    @app.command()
    def report(
        runs: Annotated[list[Path], typer.Argument(help="Run folders; several are compared side by side.")],
        out: Annotated[Path | None, typer.Option(help="Output folder (default: the first run).")] = None,
        gallery: Annotated[int, typer.Option(help="Wrong answers shown per task and category.")] = 2,
        seed: Annotated[int, typer.Option(help="Seed of the gallery sample.")] = 0,
    ) -> None:
        """Write report.md and a self-contained report.html (plots, error gallery) for one or more runs."""
        from museumvqa.evaluation.report import write_report

        path = write_report(runs[0], compare=runs[1:], out_dir=out, gallery_per_group=gallery, seed=seed)
        typer.echo(f"{path}\n{path.with_suffix('.html')}")
