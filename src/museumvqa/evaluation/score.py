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

import hashlib
import itertools
import json
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from museumvqa.errors import UserError
from museumvqa.evaluation.metrics import (
    Figure,
    answer_columns,
    corpus_statistics,
    figures_of,
    score_answers,
    view_figures,
)
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


def iter_predictions(path: str | Path) -> Iterator[dict[str, Any]]:
    """The predictions of a JSONL file one by one, each line checked; a bad line is a UserError naming it.

    A repeated (model, task, question, image) is refused, so each line's key is held, as a 16-byte digest
    (a chance collision, ~n^2 / 2^129, is far below any file's size)."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such predictions file")
    first_line: dict[bytes, int] = {}
    for number, row in iter_jsonl(path):
        problem = _check_row(row)
        if problem:
            raise UserError(f"{path}:{number}: {problem}")
        key = (row["model"], row["task"], row["question_id"], str(row.get("image_key", "")))
        digest = hashlib.blake2b(json.dumps(key).encode(), digest_size=16).digest()
        if digest in first_line:
            view = f" on image {key[3]!r}" if key[3] else ""
            raise UserError(
                f"{path}:{number}: question_id {key[2]!r}{view} of task {key[1]!r} and model {key[0]!r} already on line {first_line[digest]}"
            )
        first_line[digest] = number
        yield row
    if not first_line:
        raise UserError(f"{path}: no predictions")


def read_predictions(path: str | Path) -> list[dict[str, Any]]:
    """Every prediction of a JSONL file, each line checked (`iter_predictions`)."""
    return list(iter_predictions(path))


class _Codes:
    """Small integer codes for the distinct strings of a per-answer column (group values, questions)."""

    def __init__(self) -> None:
        self.code: dict[str, int] = {}
        self.values: list[str] = []

    def __call__(self, value: str) -> int:
        if value not in self.code:
            self.code[value] = len(self.values)
            self.values.append(value)
        return self.code[value]


class _Answers:
    """One scored set's answers reduced to what the metrics read, in file order: per-answer metric values
    and corpus statistics as arrays, each answer's group value per field and question as codes, and its
    prediction (the per-question metrics compare the views' predictions). Answers are added a batch at a
    time; a field a row lacks gets code -1 (with `required`, it is a UserError)."""

    def __init__(self, fields: Sequence[str], semantic: SemanticMatcher | None, required: bool) -> None:
        self.semantic, self.required = semantic, required
        self.names: list[str] = []
        self.values: list[np.ndarray] = []
        self.stats: dict[str, list[np.ndarray]] = {}
        self.groups = {field: (_Codes(), array("l")) for field in fields}
        self.questions, self.question_of = _Codes(), array("l")
        self.languages, self.predictions = array("l"), []
        self.language_codes = _Codes()

    def add(self, rows: Sequence[dict[str, Any]]) -> None:
        predictions = [r["prediction"] for r in rows]
        answers = [r["answers"] for r in rows]
        languages = [r["language"] for r in rows]
        # lenient matching's person-name rule reads the categories
        columns = answer_columns(score_answers(predictions, answers, languages, [r["category"] for r in rows]))
        if self.semantic:
            columns["semantic_match"] = self.semantic.matches(predictions, answers)
        self.names = list(columns)
        self.values.append(np.stack(list(columns.values()), axis=1))
        for name, stats in corpus_statistics(predictions, answers, languages).items():
            self.stats.setdefault(name, []).append(stats)
        for field, (codes, column) in self.groups.items():
            for row in rows:
                if field in row:
                    column.append(codes(str(row[field])))
                elif self.required:
                    raise UserError(f"cannot group by {field!r}: question {row.get('question_id')!r} has no such field")
                else:
                    column.append(-1)
        self.question_of.extend(self.questions(r["question_id"]) for r in rows)
        self.languages.extend(self.language_codes(language) for language in languages)
        self.predictions.extend(predictions)

    def scores(self, group_by: Sequence[str], bootstrap: int, seed: int) -> Scores:
        values = np.concatenate(self.values)
        stats = {name: np.concatenate(parts) for name, parts in self.stats.items()}
        scores: Scores = {"overall": self._figures(values, stats, np.arange(len(values)), bootstrap, seed)}
        for field in group_by:
            codes, column = self.groups[field]
            of = np.asarray(column, dtype=np.int64)
            scores[f"by_{field}"] = {
                value: self._figures(values, stats, np.flatnonzero(of == code), bootstrap, seed)
                for value, code in sorted(codes.code.items())
            }
        return scores

    def _figures(
        self, values: np.ndarray, stats: dict[str, np.ndarray], rows: np.ndarray, bootstrap: int, seed: int
    ) -> dict[str, Figure]:
        figures = figures_of(self.names, values[rows], {n: s[rows] for n, s in stats.items()}, bootstrap, seed)
        views: dict[int, list[int]] = {}
        for row in rows.tolist():
            views.setdefault(self.question_of[row], []).append(row)
        several = [members for members in views.values() if len(members) > 1]
        if several:
            figures |= view_figures(
                [[self.predictions[m] for m in members] for members in several],
                [self.language_codes.values[self.languages[members[0]]] for members in several],
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
    answers = _Answers(group_by, semantic, required=True)
    answers.add(rows)
    return answers.scores(group_by, bootstrap, seed)


def score_file(
    path: str | Path,
    group_by: Sequence[str] | None = None,
    bootstrap: int = 1000,
    seed: int = 0,
    semantic: SemanticMatcher | None = None,
    batch_rows: int = 4096,
) -> dict[str, dict[str, Scores]]:
    """{model id: {task: scores}}: a file may hold several models and tasks; each pair is scored alone.

    Without `group_by`, each task's declared breakdowns whose field all lines of the file carry. The file
    is read `batch_rows` lines at a time and each batch reduced to per-answer arrays (`_Answers`), so
    memory holds a few numbers per answer, not the answers."""
    sets: dict[tuple[str, str], _Answers] = {}
    carried: set[str] | None = None  # the fields every line so far has (not None)
    lines = iter_predictions(path)
    while batch := list(itertools.islice(lines, batch_rows)):
        by_set: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for row in batch:
            by_set.setdefault((row["model"], row["task"]), []).append(row)
            present = {f for f, v in row.items() if v is not None}
            carried = present if carried is None else carried & present
        for (model, task), rows in by_set.items():
            if (model, task) not in sets:
                fields = [b.field for b in breakdowns_of(task)] if group_by is None else group_by
                sets[(model, task)] = _Answers(fields, semantic, required=group_by is not None)
            sets[(model, task)].add(rows)
    scores: dict[str, dict[str, Scores]] = {}
    for (model, task), answers in sorted(sets.items()):
        fields = [f for f in answers.groups if f in (carried or set())] if group_by is None else group_by
        scores.setdefault(model, {})[task] = answers.scores(fields, bootstrap, seed)
    return scores


def scores_to_json(scores: Any) -> Any:
    """The same nesting with every Figure as {"value", "n", "low", "high"}."""
    if isinstance(scores, Figure):
        return asdict(scores)
    if isinstance(scores, dict):
        return {key: scores_to_json(value) for key, value in scores.items()}
    return scores
