"""CLI commands `museumvqa experiment sampling|scaling`: the paper's training experiments."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from museumvqa.commands.common import ConfigFile, Overrides, Quiet, load_settings
from museumvqa.errors import UserError

TrainTable = Annotated[Path, typer.Option("--train", help="Training QA table (train.parquet from `benchmarks`).")]
ValTable = Annotated[Path, typer.Option("--val", help="Validation QA table the runs are scored on.")]
Shards = Annotated[Path, typer.Option("--shards", help="Shards folder holding the images.")]
Out = Annotated[Path, typer.Option(help="Experiment folder: one run folder each, JSON and PNG plot.")]
Metric = Annotated[str, typer.Option(help="Validation score to compare (exact_match, partial_recall, bleu1, ...).")]
Seeds = Annotated[
    int,
    typer.Option(
        help="Runs per setting, seeds S, S+1, ... (S: the config's seed); reported as the mean with a 95% t-interval.",
        min=1,
    ),
]


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""
    group = typer.Typer(help="Training experiments: sampling strategies, data scaling.", no_args_is_help=True)
    app.add_typer(group, name="experiment")

    @group.command()
    def sampling(
        train_table: TrainTable,
        val_table: ValTable,
        shards_dir: Shards,
        out: Out,
        steps: Annotated[int, typer.Option(help="Optimizer steps for each strategy (the same budget).", min=1)],
        seeds: Seeds = 3,
        metric: Metric = "exact_match",
        config: ConfigFile = None,
        overrides: Overrides = None,
        quiet: Quiet = False,
    ) -> None:
        """One random question per image per epoch vs all questions, same steps and seeds: scores over steps,
        mean over seeds with a 95% t-interval."""
        from museumvqa.inputs import training_inputs
        from museumvqa.training.config import TrainConfig

        settings = load_settings(TrainConfig, config, overrides)
        training_inputs(train_table, val_table, shards_dir, out)

        from museumvqa.evaluation.seeds import describe
        from museumvqa.training.experiments import sampling_experiment

        report = sampling_experiment(
            settings,
            train_table,
            shards_dir,
            val_table,
            out,
            steps=steps,
            seeds=seeds,
            metric=metric,
            progress=not quiet,
        )
        for strategy, summary in report["summary"].items():
            per_seed = ", ".join(f"{v:.2f}" for v in summary["values"])
            typer.echo(f"{strategy}: {metric} {describe(summary)} after {steps} steps; per seed {per_seed}")
        typer.echo(f"all - one (paired by seed): {describe(report['difference']['all - one'], signed=True)}")
        typer.echo(f"({report['interval']})")
        typer.echo(f"-> {out / 'sampling.json'}, {out / 'sampling.png'}")

    @group.command()
    def scaling(
        train_table: TrainTable,
        val_table: ValTable,
        shards_dir: Shards,
        out: Out,
        sizes: Annotated[str, typer.Option(help="Nested training set sizes in questions, e.g. 100,300,1000.")],
        seeds: Seeds = 3,
        metric: Metric = "exact_match",
        config: ConfigFile = None,
        overrides: Overrides = None,
        quiet: Quiet = False,
    ) -> None:
        """The same model trained on nested subsets of growing size: final validation score vs size."""
        from museumvqa.inputs import training_inputs
        from museumvqa.training.config import TrainConfig

        try:
            counts = [int(part) for part in sizes.split(",")]
        except ValueError:
            raise UserError(f"--sizes: expected comma-separated numbers like 100,300,1000, got {sizes!r}") from None
        settings = load_settings(TrainConfig, config, overrides)
        training_inputs(train_table, val_table, shards_dir, out)

        from museumvqa.evaluation.seeds import describe
        from museumvqa.training.experiments import scaling_experiment

        report = scaling_experiment(
            settings,
            train_table,
            shards_dir,
            val_table,
            out,
            sizes=counts,
            seeds=seeds,
            metric=metric,
            progress=not quiet,
        )
        for run in report["runs"]:
            typer.echo(f"{run['size']} questions: {metric} {describe(run['summary'])} ({run['steps']} steps)")
        typer.echo(f"({report['interval']})")
        typer.echo(f"-> {out / 'scaling.json'}, {out / 'scaling.png'}")
