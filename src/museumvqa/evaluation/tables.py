"""Markdown tables of scores.json-shaped results: several answerers side by side."""

from __future__ import annotations

from typing import Any

METRIC_LABELS = {
    "complete_precision": "complete precision",
    "partial_precision": "partial precision",
    "complete_recall": "complete recall",
    "partial_recall": "partial recall",
    "exact_match": "exact match",
    "bleu1": "BLEU-1",
    "bleu2": "BLEU-2",
}
CATEGORY_METRICS = ("partial_precision", "complete_precision", "partial_recall", "exact_match")


def _cell(figure: dict[str, float]) -> str:
    return f"{figure['value']:.1f} [{figure['low']:.1f}, {figure['high']:.1f}]"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def scores_table(results: dict[str, dict[str, Any]]) -> str:
    """`{answerer: {"tasks": {task: {"overall": {...}, "by_category": {...}}}}}` -> Markdown.

    Overall figures per task, every metric, answerers as columns (value [95% interval]); then
    the Category-wise task per category for the main precision/recall figures.
    """
    names = list(results)
    tasks = sorted({task for r in results.values() for task in r["tasks"]})
    parts = []
    for task in tasks:
        overall = {name: results[name]["tasks"].get(task, {}).get("overall") for name in names}
        n = next((next(iter(o.values()))["n"] for o in overall.values() if o), 0)
        rows = [
            [label] + [_cell(overall[name][metric]) if overall[name] else "-" for name in names]
            for metric, label in METRIC_LABELS.items()
        ]
        parts.append(f"### {task} (n = {n}, 95% bootstrap intervals)\n\n" + _table(["metric", *names], rows))
        by_category = {name: results[name]["tasks"].get(task, {}).get("by_category") for name in names}
        if any(by_category.values()):
            categories = sorted({c for b in by_category.values() if b for c in b})
            header = ["category", "n"] + [f"{name}: {METRIC_LABELS[m]}" for name in names for m in CATEGORY_METRICS]
            rows = []
            for category in categories:
                first = next(b[category] for b in by_category.values() if b and category in b)
                row = [category, str(next(iter(first.values()))["n"])]
                for name in names:
                    figures = (by_category[name] or {}).get(category)
                    row += [f"{figures[m]['value']:.1f}" if figures else "-" for m in CATEGORY_METRICS]
                rows.append(row)
            parts.append(f"### {task}: per category\n\n" + _table(header, rows))
    return "\n\n".join(parts)
