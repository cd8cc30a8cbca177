"""Tables of scores.json-shaped results, several answerers side by side: as data (for HTML) and Markdown.

The tables read the registries: every registered metric (`evaluation.metrics.METRICS`) in the overall
table, and each task's declared breakdowns (`museumvqa.tasks.registry`) as one table per field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from museumvqa.evaluation.metrics import METRICS, get_metric
from museumvqa.tasks.registry import Breakdown, breakdowns_of


@dataclass(frozen=True)
class Table:
    """A titled table of strings."""

    title: str
    header: list[str]
    rows: list[list[str]]

    def markdown(self) -> str:
        lines = ["| " + " | ".join(self.header) + " |", "|" + "|".join("---" for _ in self.header) + "|"]
        lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in self.rows]
        return f"### {self.title}\n\n" + "\n".join(lines)


def _cell(figure: dict[str, float] | None) -> str:
    return f"{figure['value']:.1f} [{figure['low']:.1f}, {figure['high']:.1f}]" if figure else "-"


def _n(figures: dict[str, dict[str, float]]) -> int:
    return int(next(iter(figures.values()))["n"])


def _label(name: str) -> str:
    """A metric's label; a figure of a metric this process has not registered shows under its name."""
    return METRICS[name].label if name in METRICS else name


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
        row = [value, str(_n(first))]
        for name in names:
            figures = (groups[name] or {}).get(value)
            row += [f"{figures[m]['value']:.1f}" if figures and m in figures else "-" for m in metrics]
        rows.append(row)
    return Table(f"{task}: per {field}", header, rows)


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
        tables.append(Table(f"{task} (n = {n}, 95% bootstrap intervals)", ["metric", *names], rows))
        for breakdown in breakdowns_of(task):
            if breakdown.headline or detailed:
                table = _group_table(results, task, breakdown)
                if table and (breakdown.headline or len(table.rows) > 1):
                    tables.append(table)
    return tables


def scores_table(results: dict[str, dict[str, Any]], detailed: bool = False) -> str:
    """The score tables as Markdown."""
    return "\n\n".join(table.markdown() for table in score_tables(results, detailed))
