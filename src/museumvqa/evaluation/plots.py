"""The report's plots, as PNG bytes (matplotlib, headless): per-task and per-breakdown bars of every
answerer with their 95% intervals, and our figures beside the paper's published ones (marked)."""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from museumvqa.evaluation import paper  # noqa: E402


def _png(fig: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def grouped_bars(groups: list[str], series: dict[str, list[dict[str, float] | None]], title: str, ylabel: str) -> bytes:
    """Bars per group, one colour per series, with the 95% interval as error bars; a gap where missing."""
    fig, ax = plt.subplots(figsize=(max(5.0, 1.1 * len(groups) * max(1, len(series)) / 2 + 2), 3.6))
    width = 0.8 / max(1, len(series))
    x = np.arange(len(groups))
    for i, (name, figures) in enumerate(series.items()):
        values = [f["value"] if f else np.nan for f in figures]
        low = [f["value"] - f["low"] if f else 0 for f in figures]
        high = [f["high"] - f["value"] if f else 0 for f in figures]
        ax.bar(x + (i - (len(series) - 1) / 2) * width, values, width, yerr=[low, high], capsize=2, label=name)
    ax.set_xticks(x, groups, rotation=30 if len(groups) > 4 else 0, ha="right" if len(groups) > 4 else "center")
    ax.set_ylim(0, 100)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize="small", loc="upper right")
    return _png(fig)


def task_bars(results: dict[str, dict[str, Any]], metric: str, label: str) -> bytes:
    """One group per task: every answerer's overall figure."""
    tasks = list(dict.fromkeys(t for r in results.values() for t in r["tasks"]))
    series = {
        name: [r["tasks"].get(t, {}).get("overall", {}).get(metric) for t in tasks] for name, r in results.items()
    }
    return grouped_bars(tasks, series, f"{label} per task", label)


def breakdown_bars(results: dict[str, dict[str, Any]], task: str, field: str, metric: str, label: str) -> bytes:
    """One group per value of one task's breakdown by `field`."""
    by = {name: r["tasks"].get(task, {}).get(f"by_{field}") or {} for name, r in results.items()}
    values = sorted({v for b in by.values() for v in b})
    series = {name: [b.get(v, {}).get(metric) for v in values] for name, b in by.items()}
    return grouped_bars(values, series, f"{label} per {field} ({task})", label)


def paper_comparison(results: dict[str, dict[str, Any]], task: str, metric: str, label: str) -> bytes:
    """Title and origin: the paper's published accuracies (hatched, grey, marked) beside our answerers."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
    for ax, (question, published) in zip(axes, paper.ACCURACY.items()):
        names, values, ours = [], [], []
        for model, value in zip(paper.MODELS, published):
            names.append(f"{model}\n(paper, published)")
            values.append(value)
            ours.append(False)
        by = {name: r["tasks"].get(task, {}).get("by_category") or {} for name, r in results.items()}
        for name, groups in by.items():
            figure = next((groups[c][metric] for c in paper.OUR_CATEGORIES[question] if c in groups), None)
            names.append(f"{name}\n(ours)")
            values.append(figure["value"] if figure else np.nan)
            ours.append(True)
        colours = ["tab:blue" if mine else "lightgrey" for mine in ours]
        bars = ax.bar(range(len(names)), values, color=colours, edgecolor="black")
        for bar, mine in zip(bars, ours):
            if not mine:
                bar.set_hatch("//")
        ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize="x-small")
        ax.set_title(f"{question} questions")
        ax.set_ylim(0, 100)
    axes[0].set_ylabel(f"paper: accuracy; ours: {label}")
    fig.suptitle("The paper's published figures (hatched) beside ours: different data, models and metric", y=1.04)
    return _png(fig)
