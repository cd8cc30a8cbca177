"""The report's plots, as PNG bytes (matplotlib, headless): per-task and per-breakdown bars of every
answerer with their 95% intervals and n, and our figures beside the paper's published ones (marked).

Every bar says its n (under its group when the answerers share it, above the bar otherwise); a bar
over fewer than `SMALL_N` answers is hatched and pale and the plot says so: its interval is wide, and
beside the paper's figures it is labelled "n<30", never set there as if comparable."""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from museumvqa.evaluation import paper  # noqa: E402


def _png(fig: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


SMALL_N = paper.SMALL_N  # fewer answers than this: hatched, pale and labelled


def _n_label(figures: list[dict[str, float] | None]) -> str | None:
    """ "n=12" when every answerer with a figure has the same n, else None (each bar says its own)."""
    ns = {int(f["n"]) for f in figures if f}
    return f"n={ns.pop()}" if len(ns) == 1 else None


def grouped_bars(groups: list[str], series: dict[str, list[dict[str, float] | None]], title: str, ylabel: str) -> bytes:
    """Bars per group, one colour per series, with the 95% interval as error bars and n; a gap where
    missing; bars with n < SMALL_N hatched and pale."""
    fig, ax = plt.subplots(figsize=(max(5.0, 1.1 * len(groups) * max(1, len(series)) / 2 + 2), 3.6))
    width = 0.8 / max(1, len(series))
    x = np.arange(len(groups))
    shared = [_n_label([figures[g] for figures in series.values()]) for g in range(len(groups))]
    small = False
    handles: list[Patch] = []
    for i, (name, figures) in enumerate(series.items()):
        values = [f["value"] if f else np.nan for f in figures]
        low = [f["value"] - f["low"] if f else 0 for f in figures]
        high = [f["high"] - f["value"] if f else 0 for f in figures]
        offset = x + (i - (len(series) - 1) / 2) * width
        bars = ax.bar(offset, values, width, yerr=[low, high], capsize=2)
        handles.append(Patch(facecolor=bars.patches[0].get_facecolor(), label=name))
        for g, (bar, figure) in enumerate(zip(bars, figures)):
            if not figure:
                continue
            if figure["n"] < SMALL_N:
                small = True
                bar.set_hatch("xx")
                bar.set_alpha(0.45)
            if shared[g] is None:
                ax.text(
                    bar.get_x() + width / 2,
                    min(figure["high"] + 2, 97),
                    f"n={int(figure['n'])}",
                    ha="center",
                    fontsize=6,
                )
    labels = [f"{group}\n{n}" if n else group for group, n in zip(groups, shared)]
    ax.set_xticks(x, labels, rotation=30 if len(groups) > 4 else 0, ha="right" if len(groups) > 4 else "center")
    ax.set_ylim(0, 100)
    ax.set_ylabel(ylabel)
    ax.set_title(
        title + (f"\n95% bootstrap intervals; hatched: n < {SMALL_N}" if small else "\n95% bootstrap intervals")
    )
    if small:
        handles.append(Patch(facecolor="white", edgecolor="black", hatch="xx", label=f"n < {SMALL_N}"))
    ax.legend(handles=handles, fontsize="small", loc="upper right")
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
    """Title and origin: the paper's published accuracies (hatched, grey, marked) beside our answerers,
    each of ours with its 95% interval and n; ours over fewer than SMALL_N answers pale, cross-hatched and
    labelled "n<30": too few to set beside the paper."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    by = {name: r["tasks"].get(task, {}).get("by_category") or {} for name, r in results.items()}
    for ax, (question, published) in zip(axes, paper.ACCURACY.items()):
        names = [f"{model}\n(paper, published)" for model in paper.MODELS]
        ax.bar(range(len(names)), published, color="lightgrey", edgecolor="black", hatch="//")
        for name, groups in by.items():
            figure = next((groups[c][metric] for c in paper.OUR_CATEGORIES[question] if c in groups), None)
            at = len(names)
            if figure is None:
                names.append(f"{name}\n(ours, no questions)")
                continue
            n = int(figure["n"])
            few = n < SMALL_N
            names.append(f"{name}\n(ours, n={n}{f' < {SMALL_N}' if few else ''})")
            error = [[figure["value"] - figure["low"]], [figure["high"] - figure["value"]]]
            ax.bar(
                at,
                figure["value"],
                color="lightsteelblue" if few else "tab:blue",
                edgecolor="black",
                hatch="xx" if few else None,
                yerr=error,
                capsize=3,
            )
            ax.text(at, min(figure["high"] + 2, 95), f"n<{SMALL_N}" if few else f"n={n}", ha="center", fontsize=7)
        ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize="x-small")
        ax.set_title(f"{question} questions")
        ax.set_ylim(0, 100)
    axes[0].set_ylabel(f"paper: accuracy; ours: {label}")
    legend = [
        Patch(facecolor="lightgrey", edgecolor="black", hatch="//", label="paper, published (its n not given here)"),
        Patch(facecolor="tab:blue", edgecolor="black", label=f"ours, n >= {SMALL_N}, 95% interval"),
        Patch(
            facecolor="lightsteelblue", edgecolor="black", hatch="xx", label=f"ours, n < {SMALL_N}: too few to compare"
        ),
    ]
    axes[1].legend(handles=legend, fontsize="x-small", loc="upper right")
    fig.suptitle("The paper's published figures (hatched) beside ours: different data, models and metric", y=1.04)
    return _png(fig)
