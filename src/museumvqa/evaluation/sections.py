"""The report sections a task can declare (`Section` in museumvqa.tasks.registry), by kind: what the
report shows of a task beyond its score tables. A new kind is one entry in `KINDS`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from museumvqa.errors import UserError
from museumvqa.evaluation.blocks import Plot
from museumvqa.evaluation.metrics import get_metric
from museumvqa.evaluation.plots import SMALL_N, breakdown_bars, paper_comparison
from museumvqa.tasks.registry import TASKS, Section, Task

Results = dict[str, dict[str, Any]]  # {answerer: {"tasks": {task: scores}}}


def _bars(results: Results, task: Task, section: Section) -> Plot:
    """Every answerer's partial precision per value of the breakdown."""
    label = get_metric("partial_precision").label
    png = breakdown_bars(results, task.name, section.field, "partial_precision", label)
    caption = (
        f"{label.capitalize()} per {section.field} ({task.title} task). Error bars: 95% bootstrap intervals; "
        f"n under each group or above each bar; hatched bars: n < {SMALL_N}."
    )
    return Plot(section.name, png, caption)


def _paper(results: Results, task: Task, section: Section) -> Plot:
    """The paper's published title and origin accuracies beside our complete precision per category."""
    png = paper_comparison(results, task.name, "complete_precision", get_metric("complete_precision").label)
    caption = (
        "The paper's published title and origin accuracies (hatched, grey, marked) beside our "
        "complete precision on title and culture questions, each of ours with its 95% bootstrap interval and n. "
        f"Ours over fewer than {SMALL_N} questions are pale, cross-hatched and labelled n<{SMALL_N}: too few to "
        "set beside the paper. Different data, models and metric."
    )
    return Plot(section.name, png, caption)


KINDS: dict[str, Callable[[Results, Task, Section], Plot]] = {"bars": _bars, "paper": _paper}


def section_plots(results: Results) -> list[Plot]:
    """The declared sections of every registered task that has scores, in task order."""
    plots: list[Plot] = []
    for name in dict.fromkeys(task for r in results.values() for task in r["tasks"]):
        task = TASKS.get(name)
        for section in task.sections if task else ():
            if section.kind not in KINDS:
                raise UserError(f"task {name!r}: unknown report section {section.kind!r} (known: {', '.join(KINDS)})")
            if any(plot.name == section.name for plot in plots):
                raise ValueError(f"task {name!r}: a report section named {section.name!r} is already written")
            plots.append(KINDS[section.kind](results, task, section))
    return plots
