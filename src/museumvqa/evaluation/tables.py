"""Tables of scores.json-shaped results, several answerers side by side: as data (for HTML) and Markdown.

The tables read the registries: every registered metric (`evaluation.metrics.METRICS`) in the overall
table, and each task's declared breakdowns (`museumvqa.tasks.registry`) as one table per field. Every
cell is a value with its 95% bootstrap interval, "value [low, high]", and every table says its n; a
table's note says how answers were matched and which BLEU it is. Paired differences between answerers
(`paired.py`) have a table of their own, "+d [low, high]" per task."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from museumvqa.evaluation.metrics import METRICS, get_metric
from museumvqa.evaluation.paired import Difference
from museumvqa.tasks.registry import Breakdown, breakdowns_of

MATCHING_NOTE = (
    "Matching is strict (normalised words) unless a label says (lenient): accents and case folded, a date "
    "within the gold's span, a person's surname. BLEU-2 is standard corpus BLEU (sacrebleu's default); "
    "BLEU-2 (effective order) drops a missing n-gram order and is not comparable to BLEU-2 reported elsewhere."
)


@dataclass(frozen=True)
class Table:
    """A titled table of strings, with an optional note printed under it."""

    title: str
    header: list[str]
    rows: list[list[str]]
    note: str = ""

    def markdown(self) -> str:
        lines = ["| " + " | ".join(self.header) + " |", "|" + "|".join("---" for _ in self.header) + "|"]
        lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in self.rows]
        note = f"\n\n{self.note}" if self.note else ""
        return f"### {self.title}\n\n" + "\n".join(lines) + note


def _cell(figure: Mapping[str, float] | None) -> str:
    return f"{figure['value']:.1f} [{figure['low']:.1f}, {figure['high']:.1f}]" if figure else "-"


def _n(figures: dict[str, dict[str, float]]) -> int:
    return int(next(iter(figures.values()))["n"])


def _label(name: str) -> str:
    """A metric's label; a figure of a metric this process has not registered shows under its name."""
    return METRICS[name].label if name in METRICS else name


def _matching(metrics: Sequence[str]) -> str:
    lenient = any(_label(m).endswith("(lenient)") for m in metrics)
    return "strict matching unless marked (lenient)" if lenient else "strict matching"


def _group_table(results: dict[str, dict[str, Any]], task: str, breakdown: Breakdown) -> Table | None:
    field, metrics = breakdown.field, breakdown.metrics
    names = list(results)
    groups = {name: results[name]["tasks"].get(task, {}).get(f"by_{field}") for name in names}
    if not any(groups.values()):
        return None
    values = sorted({v for g in groups.values() if g for v in g})
    header = [field, "n"] + [f"{name}: {get_metric(m).label}" for name in names for m in metrics]
    rows = []
    for value in values:
        first = next(g[value] for g in groups.values() if g and value in g)
        n = _n(first)
        row = [value, str(n)]
        for name in names:
            figures = (groups[name] or {}).get(value)
            own = f" (n = {_n(figures)})" if figures and _n(figures) != n else ""  # an answerer that skipped rows
            row += [_cell(figures[m]) + own if figures and m in figures else "-" for m in metrics]
        rows.append(row)
    named = f"{breakdown.title} ({task} per {field})" if breakdown.title else f"{task}: per {field}"
    title = f"{named} (value [95% bootstrap interval], {_matching(metrics)})"
    return Table(title, header, rows)


def score_tables(results: dict[str, dict[str, Any]], detailed: bool = False) -> list[Table]:
    """`{answerer: {"tasks": {task: {"overall": {...}, "by_category": {...}}}}}` -> tables.

    Per task: every metric overall, answerers as columns (value [95% interval]); then a table per
    declared breakdown: the headline ones always, the others when `detailed` (the report) and the
    field takes two or more values.
    """
    names = list(results)
    tasks = list(dict.fromkeys(task for r in results.values() for task in r["tasks"]))
    tables = []
    for task in tasks:
        overall = {name: results[name]["tasks"].get(task, {}).get("overall") for name in names}
        found = dict.fromkeys(m for o in overall.values() if o for m in o)
        present = [m for m in METRICS if m in found] + [m for m in found if m not in METRICS]
        n = next((_n(o) for o in overall.values() if o), 0)
        rows = [
            [_label(m)] + [_cell(overall[name].get(m)) if overall[name] else "-" for name in names] for m in present
        ]
        tables.append(Table(f"{task} (n = {n}, 95% bootstrap intervals)", ["metric", *names], rows, MATCHING_NOTE))
        for breakdown in breakdowns_of(task):
            if breakdown.headline or detailed:
                table = _group_table(results, task, breakdown)
                if table and (breakdown.headline or len(table.rows) > 1):
                    tables.append(table)
    return tables


def scores_table(results: dict[str, dict[str, Any]], detailed: bool = False) -> str:
    """The score tables as Markdown."""
    return "\n\n".join(table.markdown() for table in score_tables(results, detailed))


def _difference(d: Difference) -> str:
    return f"{d.value:+.1f} [{d.low:+.1f}, {d.high:+.1f}]"


def paired_table(
    a: str, per_reference: Mapping[str, Mapping[str, Mapping[str, Difference]]], metrics: Sequence[str]
) -> Table:
    """`a` minus each reference answerer, per task: {reference: {task: {metric: Difference}}} -> one table."""
    header = ["task", "minus", "n"] + [f"Δ {_label(m)}" for m in metrics]
    rows = [
        [task, reference, str(next(iter(diffs.values())).n)] + [_difference(diffs[m]) for m in metrics]
        for reference, tasks in per_reference.items()
        for task, diffs in tasks.items()
    ]
    note = (
        f"Percentage points, {a} minus the other answerer on the same rows (positive: {a} is better), with a "
        f"paired 95% bootstrap interval (rows resampled jointly); an interval that excludes 0 is a difference "
        f"the rows support. {_matching(metrics).capitalize()}."
    )
    return Table(f"{a}: paired differences", header, rows, note)
