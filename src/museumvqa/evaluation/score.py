"""Score a predictions JSONL file: every metric overall and per group, per model, as JSON or a table.

A predictions file has one JSON object per line (one question asked of one model):
    question_id, exhibit_id, task, category, language, question: strings;
    answers: a non-empty list of gold answers (aliases); prediction: the model's answer; model: its id.
Optional fields: image_key (a question asked on several views has one line per view; the per-question
metrics such as answer consistency are scored over them), view, museum, continent. Each task is broken
down by the fields its registered declaration names (`museumvqa.tasks.registry`), where every line of
the file has them. Other fields are kept and may be grouped by.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from museumvqa.errors import UserError
from museumvqa.evaluation.metrics import Figure, compute_figures, view_figures
from museumvqa.evaluation.semantic import SemanticMatcher
from museumvqa.io import iter_jsonl
from museumvqa.tasks.registry import breakdowns_of

STRING_FIELDS = ("question_id", "exhibit_id", "task", "category", "language", "question", "prediction", "model")
FIELDS = (*STRING_FIELDS, "answers")

Scores = dict[str, Any]  # {"overall": {metric: Figure}, "by_<field>": {value: {metric: Figure}}}


def _check_row(row: Any) -> str | None:
    """What is wrong with one parsed line, or None."""
    if not isinstance(row, dict):
        return f"expected a JSON object, got {type(row).__name__}"
    missing = [f for f in FIELDS if f not in row]
    if missing:
        return "missing field " + ", ".join(repr(f) for f in missing)
    for field in STRING_FIELDS:
        if not isinstance(row[field], str):
            return f"field {field!r} must be a string, got {type(row[field]).__name__}"
    answers = row["answers"]
    if not isinstance(answers, list) or not answers or not all(isinstance(a, str) for a in answers):
        return "field 'answers' must be a non-empty list of strings"
    if not all(a.strip() for a in answers):
        return "field 'answers' holds a blank answer"
    return None


def read_predictions(path: str | Path) -> list[dict[str, Any]]:
    """Every prediction of a JSONL file, each line checked; a bad line is a UserError naming it."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such predictions file")
    rows: list[dict[str, Any]] = []
    first_line: dict[tuple[str, str, str], int] = {}
    for number, row in iter_jsonl(path):
        problem = _check_row(row)
        if problem:
            raise UserError(f"{path}:{number}: {problem}")
        key = (row["model"], row["task"], row["question_id"], str(row.get("image_key", "")))
        if key in first_line:
            view = f" on image {key[3]!r}" if key[3] else ""
            raise UserError(
                f"{path}:{number}: question_id {key[2]!r}{view} of task {key[1]!r} and model {key[0]!r} already on line {first_line[key]}"
            )
        first_line[key] = number
        rows.append(row)
    if not rows:
        raise UserError(f"{path}: no predictions")
    return rows


def _figures(
    rows: Sequence[dict[str, Any]], bootstrap: int, seed: int, semantic: SemanticMatcher | None
) -> dict[str, Figure]:
    predictions = [r["prediction"] for r in rows]
    answers = [r["answers"] for r in rows]
    extra = {"semantic_match": semantic.matches(predictions, answers)} if semantic else None
    figures = compute_figures(
        predictions,
        answers,
        [r["language"] for r in rows],
        bootstrap=bootstrap,
        seed=seed,
        extra=extra,
        categories=[r["category"] for r in rows],  # lenient matching's person-name rule reads them
    )
    views: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        views.setdefault(row["question_id"], []).append(row)
    several = [members for members in views.values() if len(members) > 1]
    if several:
        figures |= view_figures(
            [[m["prediction"] for m in members] for members in several],
            [members[0]["language"] for members in several],
            bootstrap=bootstrap,
            seed=seed,
        )
    return figures


def score_rows(
    rows: Sequence[dict[str, Any]],
    group_by: Sequence[str] = ("category",),
    bootstrap: int = 1000,
    seed: int = 0,
    semantic: SemanticMatcher | None = None,
) -> Scores:
    """Every metric over all rows ("overall") and per value of each group_by field ("by_<field>").

    With a `semantic` matcher, semantic_match is added; where a question was asked on several views,
    the per-question metrics (consistency) are added."""
    if not rows:
        raise ValueError("no rows to score")
    scores: Scores = {"overall": _figures(rows, bootstrap, seed, semantic)}
    for field in group_by:
        groups: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            if field not in row:
                raise UserError(f"cannot group by {field!r}: question {row.get('question_id')!r} has no such field")
            groups.setdefault(str(row[field]), []).append(row)
        scores[f"by_{field}"] = {
            value: _figures(members, bootstrap, seed, semantic) for value, members in sorted(groups.items())
        }
    return scores


def _breakdown_fields(rows: Sequence[dict[str, Any]]) -> dict[str, list[str]]:
    """Per task, the fields of its declared breakdowns that every line of the file carries."""
    tasks = sorted({row["task"] for row in rows})
    wanted = {b.field for task in tasks for b in breakdowns_of(task)}
    carried = {f for f in wanted if all(f in r and r[f] is not None for r in rows)}
    return {task: [b.field for b in breakdowns_of(task) if b.field in carried] for task in tasks}


def score_file(
    path: str | Path,
    group_by: Sequence[str] | None = None,
    bootstrap: int = 1000,
    seed: int = 0,
    semantic: SemanticMatcher | None = None,
) -> dict[str, dict[str, Scores]]:
    """{model id: {task: scores}}: a file may hold several models and tasks; each pair is scored alone.

    Without `group_by`, each task's declared breakdowns whose field all lines of the file carry."""
    rows = read_predictions(path)
    fields = _breakdown_fields(rows) if group_by is None else {}
    groups: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for row in rows:
        groups.setdefault(row["model"], {}).setdefault(row["task"], []).append(row)
    return {
        model: {
            task: score_rows(
                rows, fields[task] if group_by is None else group_by, bootstrap=bootstrap, seed=seed, semantic=semantic
            )
            for task, rows in sorted(tasks.items())
        }
        for model, tasks in sorted(groups.items())
    }


def scores_to_json(scores: Any) -> Any:
    """The same nesting with every Figure as {"value", "n", "low", "high"}."""
    if isinstance(scores, Figure):
        return asdict(scores)
    if isinstance(scores, dict):
        return {key: scores_to_json(value) for key, value in scores.items()}
    return scores
