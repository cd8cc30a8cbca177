"""The paper's two training experiments, each a set of ordinary training runs plus a JSON and a plot.

sampling: one random question per image per epoch ("one") against every question per epoch ("all"),
  with the same optimizer-step budget and seeds, scored on the validation table every few steps.
  The paper found "all" converged faster and better.
scaling: the same model trained on nested subsets of the training questions (each contains the
  smaller ones), scored on the validation table at the end. The paper used 1M, 10M and 20M.

Each setting is trained once per seed (`seeds`, 3 by default: the config's seed and the next ones), so
a difference can be told from seed noise: the JSON and the plot give the mean over seeds with a 95%
Student t-interval and n (`evaluation/seeds.py`); sampling also gives "all" minus "one" paired by seed.
The plot's score axis spans at least `MIN_SPAN` points, so a 2-point wobble is not drawn as a cliff.

Every run is a folder under the experiment's output (`<setting>/seed-<seed>`); a run whose folder
already holds a finished model of the same settings is read back rather than trained again, so a
stopped experiment reruns only what is missing (and a stopped run resumes from its checkpoints).
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
from museumvqa.evaluation.metrics import get_metric, metric_names
from museumvqa.evaluation.seeds import METHOD, over_seeds
from museumvqa.io import atomic_path, read_parquet_dir, write_json, write_parquet
from museumvqa.training.config import TrainConfig
from museumvqa.training.examples import read_examples
from museumvqa.training.run import SUMMARY_NAME, train

STRATEGIES = ("one", "all")
DEFAULT_METRIC = "exact_match"
EVALUATIONS = 10  # validation points on the sampling curves when the config sets no eval_every
DEFAULT_SEEDS = 3  # the fewest that give a t-interval worth reading
MIN_SPAN = 20.0  # percentage points: the least a plot's score axis spans


def seed_values(first: int, seeds: int) -> list[int]:
    """The seeds of an experiment: the config's seed and the next ones."""
    if seeds < 1:
        raise UserError(f"experiment: seeds must be at least 1, got {seeds}")
    return [first + k for k in range(seeds)]


def sampling_experiment(
    config: TrainConfig,
    train_table: str | Path,
    shards_dir: str | Path,
    val_table: str | Path,
    out_dir: str | Path,
    *,
    steps: int,
    seeds: int = DEFAULT_SEEDS,
    metric: str = DEFAULT_METRIC,
    progress: bool = True,
) -> dict[str, Any]:
    """Train each strategy once per seed for `steps` optimizer steps; `sampling.json` and `sampling.png`
    (mean curves with their t-intervals) in `out_dir`."""
    _check_metric(metric)
    if steps < 1:
        raise UserError(f"sampling experiment: steps must be at least 1, got {steps}")
    seed_list = seed_values(config.seed, seeds)
    out = Path(out_dir)
    examples = read_examples(train_table)
    chosen = {"all": len(examples), "one": len({e.image_key for e in examples})}
    eval_every = config.eval_every or max(1, steps // EVALUATIONS)
    runs: dict[str, list[dict[str, Any]]] = {strategy: [] for strategy in STRATEGIES}
    for seed in seed_list:
        for strategy in STRATEGIES:
            batches_per_epoch = math.ceil(chosen[strategy] / config.batch_size)  # at least this many
            epochs = math.ceil(steps * config.grad_accum / batches_per_epoch)
            run_config = dataclasses.replace(
                config, strategy=strategy, seed=seed, max_steps=steps, epochs=epochs, eval_every=eval_every
            )
            folder = out / f"strategy-{strategy}" / f"seed-{seed}"
            run = _run(run_config, train_table, shards_dir, val_table, folder, len(examples), metric, progress)
            if run["steps"] != steps:
                raise UserError(f"sampling experiment: strategy {strategy} took {run['steps']} steps, not {steps}")
            runs[strategy].append({"seed": seed, **run})
    paired = [a["score"] - o["score"] for a, o in zip(runs["all"], runs["one"])]
    report = {
        "experiment": "sampling",
        "metric": metric,
        "steps": steps,
        "seeds": seed_list,
        "interval": METHOD,
        "train_table": str(train_table),
        "val_table": str(val_table),
        "runs": runs,
        "summary": {strategy: over_seeds([r["score"] for r in rs]) for strategy, rs in runs.items()},
        "difference": {"all - one": over_seeds(paired)},  # paired by seed
    }
    write_json(report, out / "sampling.json")
    what = {"one": "one random question", "all": "all questions"}
    curves = {f"{strategy}: {what[strategy]} per image per epoch": _curve(rs, metric) for strategy, rs in runs.items()}
    title = f"Sampling strategies, same budget ({steps} steps)"
    _plot(curves, "optimizer step", metric, title, len(seed_list), out / "sampling.png")
    return report


def scaling_experiment(
    config: TrainConfig,
    train_table: str | Path,
    shards_dir: str | Path,
    val_table: str | Path,
    out_dir: str | Path,
    *,
    sizes: Sequence[int],
    seeds: int = DEFAULT_SEEDS,
    metric: str = DEFAULT_METRIC,
    progress: bool = True,
) -> dict[str, Any]:
    """Train on each nested subset once per seed; `scaling.json` and `scaling.png` (mean final score with
    its t-interval vs questions) in `out_dir`. The subsets are drawn once, with the config's seed: the
    seeds vary the training (initialisation, order), not the data."""
    _check_metric(metric)
    seed_list = seed_values(config.seed, seeds)
    out = Path(out_dir)
    table = read_parquet_dir(train_table)
    runs = []
    for size, subset in zip(sizes, nested_subsets(table, sizes, config.seed, str(train_table))):
        subset_path = write_parquet(subset, out / "subsets" / f"train-{size}.parquet")
        per_seed = [
            {
                "seed": seed,
                **_run(
                    dataclasses.replace(config, seed=seed),
                    subset_path,
                    shards_dir,
                    val_table,
                    out / f"size-{size}" / f"seed-{seed}",
                    size,
                    metric,
                    progress,
                ),
            }
            for seed in seed_list
        ]
        summary = over_seeds([r["score"] for r in per_seed])
        runs.append(
            {
                "size": size,
                "exhibits": len(set(subset.column("exhibit_id").to_pylist())),
                "steps": per_seed[0]["steps"],
                "score": summary["mean"],
                "summary": summary,
                "seeds": per_seed,
            }
        )
    report = {
        "experiment": "scaling",
        "metric": metric,
        "sizes": list(sizes),
        "seeds": seed_list,
        "interval": METHOD,
        "train_table": str(train_table),
        "val_table": str(val_table),
        "runs": runs,
    }
    write_json(report, out / "scaling.json")
    curve = {config.family: ([run["size"] for run in runs], [run["summary"] for run in runs])}
    title = "Scaling: final validation score vs data"
    _plot(curve, "training questions", metric, title, len(seed_list), out / "scaling.png", log_x=True)
    return report


def _curve(runs: Sequence[dict[str, Any]], metric: str) -> tuple[list[float], list[dict[str, Any]]]:
    """Steps and the summary over seeds of the metric at each step every seed was scored at."""
    histories = [{point["step"]: point[metric] for point in run["eval_history"]} for run in runs]
    steps = sorted(set.intersection(*(set(h) for h in histories)))
    return [float(step) for step in steps], [over_seeds([h[step] for h in histories]) for step in steps]


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


def y_limits(summaries: Sequence[dict[str, Any]], min_span: float = MIN_SPAN) -> tuple[float, float]:
    """A score axis around the means and intervals, at least `min_span` points wide, inside 0..100."""
    values = [v for s in summaries for v in (s["mean"], s["low"], s["high"]) if v is not None]
    low, high = min(values), max(values)
    pad = max(0.0, min_span - (high - low)) / 2 + 0.05 * (high - low)
    low, high = low - pad, high + pad
    if low < 0:
        low, high = 0.0, high - low
    if high > 100:
        low, high = max(0.0, low - (high - 100)), 100.0
    return low, high


def _plot(
    curves: dict[str, tuple[list[float], list[dict[str, Any]]]],
    x_label: str,
    metric: str,
    title: str,
    seeds: int,
    path: Path,
    log_x: bool = False,
) -> None:
    """Mean over seeds per point with its 95% t-interval (a band), n in the title and legend."""
    figure = Figure(figsize=(6.4, 4.0), layout="constrained")
    axes = figure.subplots()
    for label, (xs, summaries) in curves.items():
        means = [s["mean"] for s in summaries]
        last = summaries[-1]
        final = f"{last['mean']:.1f}" + (f" [{last['low']:.1f}, {last['high']:.1f}]" if last["low"] is not None else "")
        (line,) = axes.plot(xs, means, marker="o", label=f"{label}; last: {final}")
        if seeds > 1:
            lows, highs = [s["low"] for s in summaries], [s["high"] for s in summaries]
            axes.fill_between(xs, lows, highs, color=line.get_color(), alpha=0.2, linewidth=0)
    if log_x:
        axes.set_xscale("log")
    axes.set_ylim(*y_limits([s for _, summaries in curves.values() for s in summaries]))
    spread = f"mean of n = {seeds} seeds, 95% t-interval" if seeds > 1 else "n = 1 seed, no interval"
    axes.set(xlabel=x_label, ylabel=f"validation {get_metric(metric).label} (%)", title=f"{title}\n{spread}")
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small")
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=120)
