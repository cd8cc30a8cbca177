"""The report's paired comparisons: each trained model minus each baseline and oracle of its run, per
task, on the headline metrics, with the paired bootstrap interval (`paired.py`).

An answerer whose name starts with `baseline:` or `oracle:` is a reference; every other one (a model
folder, a hub id, a predictions file) is a model. Comparisons stay inside one run: only there are the
rows the same. A pair that cannot be compared (rows differ, predictions file gone) is said in one line
instead of a table row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from museumvqa.errors import UserError
from museumvqa.evaluation.blocks import Block, Heading, Text
from museumvqa.evaluation.paired import Difference, RowValues, by_task, compare, row_values
from museumvqa.evaluation.score import read_predictions
from museumvqa.evaluation.tables import paired_table

REFERENCES = ("baseline:", "oracle:")
HEADLINE_METRICS = ("partial_precision", "complete_precision", "exact_match")


def is_reference(answerer: str) -> bool:
    """A baseline or oracle: compared against, not a model."""
    return answerer.startswith(REFERENCES)


def answerer_rows(answerer: str, result: dict[str, Any]) -> list[dict[str, Any]]:
    """The answerer's predictions on the tasks it was scored on."""
    path = Path(result.get("predictions", ""))
    if not path.is_file():
        raise UserError(f"{answerer}: predictions file {path} is gone")
    rows = read_predictions(path)
    own = [r for r in rows if r["model"] == answerer] or rows  # a file: answerer's lines carry the file's model
    return [r for r in own if r["task"] in result.get("tasks", {})]


def _compare(
    model: str, reference: str, rows: dict[str, dict[str, RowValues]], metrics: Sequence[str], bootstrap: int, seed: int
) -> dict[str, dict[str, Difference]]:
    """{task: {metric: model minus reference}} over the tasks both answered."""
    shared = [task for task in rows[model] if task in rows[reference]]
    return {task: compare(rows[model][task], rows[reference][task], metrics, bootstrap, seed) for task in shared}


def paired_blocks(
    runs: Sequence[tuple[str | None, dict[str, Any]]],
    short: Callable[[str], str],
    metrics: Sequence[str] = HEADLINE_METRICS,
    bootstrap: int = 1000,
) -> list[Block]:
    """A heading and one table per model (minus every reference of its run), for runs given as
    (label or None, scores.json); nothing when no run has both a model and a reference."""
    blocks: list[Block] = []
    problems: list[str] = []
    for label, results in runs:
        models = [a for a in results if not is_reference(a)]
        references = [a for a in results if is_reference(a)]
        if not models or not references:
            continue
        rows: dict[str, dict[str, RowValues]] = {}  # answerer -> task -> its scored rows, scored once
        for answerer in [*models, *references]:
            try:
                tasks = by_task(answerer_rows(answerer, results[answerer]))
                rows[answerer] = {task: row_values(answerer, task_rows) for task, task_rows in tasks.items()}
            except UserError as error:
                problems.append(f"- not compared: {error}")
        for model in (m for m in models if m in rows):
            name = short(model) if label is None else f"{label}: {short(model)}"
            seed = int(results[model].get("seed", 0))
            per_reference: dict[str, dict[str, dict[str, Difference]]] = {}
            for reference in (r for r in references if r in rows):
                try:
                    per_reference[short(reference)] = _compare(model, reference, rows, metrics, bootstrap, seed)
                except UserError as error:
                    problems.append(f"- not compared: {error}")
            if any(per_reference.values()):
                blocks.append(paired_table(name, per_reference, metrics))
    if not blocks and not problems:
        return []
    intro = (
        "Each trained model minus each baseline or oracle of its run, on the same rows: the difference in "
        "percentage points with a paired 95% bootstrap interval (rows resampled jointly, so the questions' "
        "shared difficulty cancels). Separate intervals that overlap say little; these say whether the rows "
        "support a difference."
    )
    return [Heading(2, "Paired differences: models minus baselines"), Text([intro, *problems]), *blocks]


def compare_files(
    paths: Sequence[str | Path], metrics: Sequence[str] = HEADLINE_METRICS, bootstrap: int = 1000, seed: int = 0
) -> tuple[str, dict[str, dict[str, dict[str, Difference]]]]:
    """The first answerer of the predictions files minus each other one, per shared task:
    (first, {other: {task: {metric: Difference}}}). Rows must match task by task (else a UserError)."""
    answerers: dict[str, list[dict[str, Any]]] = {}
    for path in paths:
        for row in read_predictions(path):
            answerers.setdefault(row["model"], []).append(row)
    if len(answerers) < 2:
        raise UserError(f"a paired comparison needs two answerers; the files hold {', '.join(answerers) or 'none'}")
    first, *others = answerers
    rows = {name: {task: row_values(name, r) for task, r in by_task(answerers[name]).items()} for name in answerers}
    out = {}
    for other in others:
        found = _compare(first, other, rows, metrics, bootstrap, seed)
        if not found:
            raise UserError(f"{first!r} and {other!r} answered no task in common")
        out[other] = found
    return first, out
