"""Tables of scores.json-shaped results, several answerers side by side: as data (for HTML) and Markdown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

METRIC_LABELS = {
    "complete_precision": "complete precision",
    "partial_precision": "partial precision",
    "complete_recall": "complete recall",
    "partial_recall": "partial recall",
    "exact_match": "exact match",
    "bleu1": "BLEU-1",
    "bleu2": "BLEU-2",
    "semantic_match": "semantic match",
    "consistency": "consistency across views",
}
CATEGORY_METRICS = ("partial_precision", "complete_precision", "partial_recall", "exact_match")
BREAKDOWNS = ("language", "museum", "continent", "view")


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


def _group_table(results: dict[str, dict[str, Any]], task: str, field: str, metrics: tuple[str, ...]) -> Table | None:
    names = list(results)
    groups = {name: results[name]["tasks"].get(task, {}).get(f"by_{field}") for name in names}
    if not any(groups.values()):
        return None
    values = sorted({v for g in groups.values() if g for v in g})
    header = [field, "n"] + [f"{name}: {METRIC_LABELS[m]}" for name in names for m in metrics]
    rows = []
    for value in values:
        first = next(g[value] for g in groups.values() if g and value in g)
        row = [value, str(_n(first))]
        for name in names:
            figures = (groups[name] or {}).get(value)
            row += [f"{figures[m]['value']:.1f}" if figures and m in figures else "-" for m in metrics]
        rows.append(row)
    return Table(f"{task}: per {field}", header, rows)


def score_tables(results: dict[str, dict[str, Any]], breakdowns: tuple[str, ...] = ()) -> list[Table]:
    """`{answerer: {"tasks": {task: {"overall": {...}, "by_category": {...}}}}}` -> tables.

    Per task: every metric overall, answerers as columns (value [95% interval]); then the main
    figures per category; then per field of `breakdowns` (partial precision).
    """
    names = list(results)
    tasks = list(dict.fromkeys(task for r in results.values() for task in r["tasks"]))
    tables = []
    for task in tasks:
        overall = {name: results[name]["tasks"].get(task, {}).get("overall") for name in names}
        present = [m for m in METRIC_LABELS if any(o and m in o for o in overall.values())]
        n = next((_n(o) for o in overall.values() if o), 0)
        rows = [
            [METRIC_LABELS[m]] + [_cell(overall[name].get(m)) if overall[name] else "-" for name in names]
            for m in present
        ]
        tables.append(Table(f"{task} (n = {n}, 95% bootstrap intervals)", ["metric", *names], rows))
        table = _group_table(results, task, "category", CATEGORY_METRICS)
        if table:
            tables.append(table)
        for field in breakdowns:
            table = _group_table(results, task, field, ("partial_precision", "exact_match"))
            if table and len(table.rows) > 1:
                tables.append(table)
    return tables


def scores_table(results: dict[str, dict[str, Any]], breakdowns: tuple[str, ...] = ()) -> str:
    """The score tables as Markdown."""
    return "\n\n".join(table.markdown() for table in score_tables(results, breakdowns))
