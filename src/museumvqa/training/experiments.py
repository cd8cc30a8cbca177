"""The paper's two training experiments, each a set of ordinary training runs plus a JSON and a plot.

sampling: one random question per image per epoch ("one") against every question per epoch ("all"),
  with the same optimizer-step budget and seeds, scored on the validation table every few steps.
  The paper found "all" converged faster and better.
scaling: the same model trained on nested subsets of the training questions (each contains the
  smaller ones), scored on the validation table at the end. The paper used 1M, 10M and 20M.

Every run is a folder under the experiment's output; a run whose folder already holds a finished
model of the same settings is read back rather than trained again, so a stopped experiment reruns
only what is missing (and a stopped run resumes from its checkpoints).
"""

from __future__ import annotations

import dataclasses
import json
import math
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from matplotlib.figure import Figure

from museumvqa.errors import UserError
from museumvqa.evaluation.metrics import metric_names
from museumvqa.io import atomic_path, read_parquet_dir, write_json, write_parquet
from museumvqa.training.config import TrainConfig
from museumvqa.training.examples import read_examples
from museumvqa.training.run import SUMMARY_NAME, train

STRATEGIES = ("one", "all")
DEFAULT_METRIC = "exact_match"
EVALUATIONS = 10  # validation points on the sampling curves when the config sets no eval_every


def sampling_experiment(
    config: TrainConfig,
    train_table: str | Path,
    shards_dir: str | Path,
    val_table: str | Path,
    out_dir: str | Path,
    *,
    steps: int,
    metric: str = DEFAULT_METRIC,
    progress: bool = True,
) -> dict[str, Any]:
    """Train once per strategy for `steps` optimizer steps; `sampling.json` and `sampling.png` in `out_dir`."""
    _check_metric(metric)
    if steps < 1:
        raise UserError(f"sampling experiment: steps must be at least 1, got {steps}")
    out = Path(out_dir)
    examples = read_examples(train_table)
    chosen = {"all": len(examples), "one": len({e.image_key for e in examples})}
    eval_every = config.eval_every or max(1, steps // EVALUATIONS)
    runs = {}
    for strategy in STRATEGIES:
        batches_per_epoch = math.ceil(chosen[strategy] / config.batch_size)  # at least this many
        epochs = math.ceil(steps * config.grad_accum / batches_per_epoch)
        run_config = dataclasses.replace(
            config, strategy=strategy, max_steps=steps, epochs=epochs, eval_every=eval_every
        )
        run = _run(
            run_config,
            train_table,
            shards_dir,
            val_table,
            out / f"strategy-{strategy}",
            len(examples),
            metric,
            progress,
        )
        if run["steps"] != steps:
            raise UserError(f"sampling experiment: strategy {strategy} took {run['steps']} steps, not {steps}")
        runs[strategy] = run
    report = {
        "experiment": "sampling",
        "metric": metric,
        "steps": steps,
        "seed": config.seed,
        "train_table": str(train_table),
        "val_table": str(val_table),
        "runs": runs,
    }
    write_json(report, out / "sampling.json")
    curves = {
        f"{strategy}: {'one random question' if strategy == 'one' else 'all questions'} per image per epoch": (
            [point["step"] for point in run["eval_history"]],
            [point[metric] for point in run["eval_history"]],
        )
        for strategy, run in runs.items()
    }
    _plot(curves, "optimizer step", metric, f"Sampling strategies, same budget ({steps} steps)", out / "sampling.png")
    return report


def scaling_experiment(
    config: TrainConfig,
    train_table: str | Path,
    shards_dir: str | Path,
    val_table: str | Path,
    out_dir: str | Path,
    *,
    sizes: Sequence[int],
    metric: str = DEFAULT_METRIC,
    progress: bool = True,
) -> dict[str, Any]:
    """Train on each nested subset; `scaling.json` and `scaling.png` (final score vs questions) in `out_dir`."""
    _check_metric(metric)
    out = Path(out_dir)
    table = read_parquet_dir(train_table)
    runs = []
    for size, subset in zip(sizes, nested_subsets(table, sizes, config.seed, str(train_table))):
        subset_path = write_parquet(subset, out / "subsets" / f"train-{size}.parquet")
        run = _run(config, subset_path, shards_dir, val_table, out / f"size-{size}", size, metric, progress)
        runs.append({"size": size, "exhibits": len(set(subset.column("exhibit_id").to_pylist())), **run})
    report = {
        "experiment": "scaling",
        "metric": metric,
        "sizes": list(sizes),
        "seed": config.seed,
        "train_table": str(train_table),
        "val_table": str(val_table),
        "runs": runs,
    }
    write_json(report, out / "scaling.json")
    curve = {config.family: ([run["size"] for run in runs], [run["score"] for run in runs])}
    _plot(
        curve, "training questions", metric, "Scaling: final validation score vs data", out / "scaling.png", log_x=True
    )
    return report


def nested_subsets(table: pa.Table, sizes: Sequence[int], seed: int, source: str = "train table") -> list[pa.Table]:
    """The first `size` questions (with an image) of one seeded exhibit order, for each size.

    Whole exhibits come in one after another in that order (only the last one of a subset may be
    cut), so each subset holds the smaller ones and adds new exhibits, as more data would.
    """
    if "exhibit_id" not in table.column_names or "image_key" not in table.column_names:
        raise UserError(f"{source}: the scaling experiment needs exhibit_id and image_key columns")
    if not sizes or any(s < 1 for s in sizes) or list(sizes) != sorted(set(sizes)):
        raise UserError(f"scaling experiment: sizes must be positive and increasing, got {list(sizes)}")
    usable = table.filter(pc.is_valid(table.column("image_key")))
    if sizes[-1] > usable.num_rows:
        raise UserError(f"{source}: {usable.num_rows} questions with an image, fewer than the size {sizes[-1]}")
    exhibits = sorted(set(usable.column("exhibit_id").to_pylist()))
    random.Random(seed).shuffle(exhibits)
    rank = {exhibit: i for i, exhibit in enumerate(exhibits)}
    ids = usable.column("exhibit_id").to_pylist()
    order = sorted(range(usable.num_rows), key=lambda row: rank[ids[row]])  # stable: table order within an exhibit
    ordered = usable.take(order)
    return [ordered.slice(0, size) for size in sizes]


def _run(
    config: TrainConfig,
    train_table: str | Path,
    shards_dir: str | Path,
    val_table: str | Path,
    folder: Path,
    examples: int,
    metric: str,
    progress: bool,
) -> dict[str, Any]:
    """One run's outcome, read back from its folder when it finished with these settings and as many examples."""
    summary_file = folder / SUMMARY_NAME
    settings = json.loads(json.dumps(dataclasses.asdict(config)))  # as the summary stores them
    summary = json.loads(summary_file.read_text(encoding="utf-8")) if summary_file.is_file() else None
    if summary is None or summary.get("config") != settings or summary.get("examples") != examples:
        result = train(config, train_table, shards_dir, folder, val_table=val_table, progress=progress)
        summary = {
            "steps": result.steps,
            "final_loss": result.final_loss,
            "eval_history": result.eval_history,
            "seconds": result.seconds,
        }
    history = summary["eval_history"]
    return {
        "steps": summary["steps"],
        "final_loss": summary["final_loss"],
        "seconds": round(summary["seconds"], 1),
        "score": history[-1][metric],
        "eval_history": history,
    }


def _check_metric(metric: str) -> None:
    """Before any training: a misspelt metric would otherwise fail only after hours of runs."""
    known = metric_names()
    if metric not in known:
        raise UserError(f"unknown metric {metric!r} (known: {', '.join(known)})")


def _plot(
    curves: dict[str, tuple[list[float], list[float]]],
    x_label: str,
    metric: str,
    title: str,
    path: Path,
    log_x: bool = False,
) -> None:
    figure = Figure(figsize=(6.4, 4.0), layout="constrained")
    axes = figure.subplots()
    for label, (xs, ys) in curves.items():
        axes.plot(xs, ys, marker="o", label=label)
    if log_x:
        axes.set_xscale("log")
    axes.set(xlabel=x_label, ylabel=f"validation {metric} (%)", title=title)
    axes.grid(alpha=0.3)
    axes.legend()
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=120)
