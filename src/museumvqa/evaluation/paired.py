"""Paired comparison of two answerers on the same rows: the difference of a metric, A minus B, with a
95% percentile-bootstrap interval that resamples rows jointly (one draw picks a row for both answerers).

Two answerers' separate intervals overlap far more often than their difference is in doubt, because
both are scored on the same questions; the paired interval removes the questions' shared difficulty.
A row is one (task, question_id, image_key) line of a predictions file; both sets must hold exactly
the same rows with the same gold answers, or the comparison is refused (one-line UserError).

Per-answer metrics (strict and lenient) and corpus metrics (BLEU: each resample re-sums both
answerers' statistics) can be compared; per-question metrics (consistency) and supplied ones
(semantic match) cannot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from museumvqa.errors import UserError
from museumvqa.evaluation.metrics import (
    answer_columns,
    corpus_statistics,
    get_metric,
    resample_counts,
    score_answers,
)

Row = Mapping[str, Any]
Key = tuple[str, str, str]  # task, question_id, image_key ("" without one)


@dataclass(frozen=True)
class Difference:
    """A minus B in percentage points over n shared rows, with its paired 95% bootstrap interval."""

    metric: str
    value: float
    low: float
    high: float
    n: int


@dataclass(frozen=True)
class RowValues:
    """One answerer's per-row metric values (per-answer values, corpus statistics), keyed by row, so one
    scoring serves every comparison the answerer is in."""

    name: str
    keys: list[Key]
    answers: list[tuple[str, ...]]
    per_answer: dict[str, np.ndarray]
    corpus: dict[str, np.ndarray]


def row_key(row: Row) -> Key:
    return (str(row["task"]), str(row["question_id"]), str(row.get("image_key") or ""))


def _comparable(metrics: Sequence[str]) -> None:
    for name in metrics:
        metric = get_metric(name)
        if not (metric.per_answer or metric.corpus):
            kind = "per-question" if metric.per_question else "supplied by a scorer"
            raise UserError(f"metric {name!r} is {kind}; a paired comparison takes per-answer or corpus metrics")


def row_values(name: str, rows: Sequence[Row]) -> RowValues:
    """Score one answerer's rows once (every per-answer and corpus metric); a repeated row is refused."""
    keys = [row_key(r) for r in rows]
    seen: set[Key] = set()
    for key in keys:
        if key in seen:
            raise UserError(f"answerer {name!r} answers row {'/'.join(k for k in key if k)} more than once")
        seen.add(key)
    predictions = [r["prediction"] for r in rows]
    answers = [list(r["answers"]) for r in rows]
    languages = [r["language"] for r in rows]
    scores = score_answers(predictions, answers, languages, [r["category"] for r in rows])
    return RowValues(
        name,
        keys,
        [tuple(a) for a in answers],
        answer_columns(scores),
        corpus_statistics(predictions, answers, languages),
    )


def _aligned(a: RowValues, b: RowValues) -> np.ndarray:
    """The positions in b of a's rows; refused unless both hold the same rows with the same gold."""
    where = {key: i for i, key in enumerate(b.keys)}
    only_a = [k for k in a.keys if k not in where]
    only_b = len(b.keys) - (len(a.keys) - len(only_a))
    if only_a or only_b:
        example = "/".join(k for k in (only_a or [k for k in b.keys if k not in set(a.keys)])[0] if k)
        raise UserError(
            f"{a.name!r} and {b.name!r} were not answered on the same rows ({len(a.keys)} vs {len(b.keys)}; "
            f"{len(only_a)} only in {a.name!r}, {only_b} only in {b.name!r}, e.g. {example}): a paired comparison needs the same rows"
        )
    order = np.array([where[k] for k in a.keys], dtype=np.int64)
    differ = next((a.keys[i] for i, j in enumerate(order) if a.answers[i] != b.answers[j]), None)
    if differ:
        raise UserError(
            f"row {'/'.join(k for k in differ if k)} has different gold answers for {a.name!r} and {b.name!r} "
            "(different task versions?): a paired comparison needs the same rows"
        )
    return order


def _interval(samples: np.ndarray) -> tuple[float, float]:
    low, high = np.percentile(samples, [2.5, 97.5])
    return float(low), float(high)


def compare(
    a: RowValues, b: RowValues, metrics: Sequence[str], bootstrap: int = 1000, seed: int = 0
) -> dict[str, Difference]:
    """A minus B for each metric, over their shared rows, resampled jointly (the same draws for every metric)."""
    _comparable(metrics)
    if bootstrap < 1:
        raise ValueError("bootstrap needs at least one resample")
    order = _aligned(a, b)
    n = len(order)
    if n == 0:
        raise UserError(f"{a.name!r} and {b.name!r} have no rows to compare")
    answer = [m for m in metrics if get_metric(m).per_answer]
    corpus = [m for m in metrics if get_metric(m).corpus]
    deltas = np.stack([a.per_answer[m] - b.per_answer[m][order] for m in answer], axis=1) if answer else None
    stats = {m: (a.corpus[m], b.corpus[m][order]) for m in corpus}
    answer_samples: list[np.ndarray] = []
    corpus_samples: dict[str, list[float]] = {m: [] for m in corpus}
    for counts in resample_counts(n, bootstrap, seed):
        if deltas is not None:
            answer_samples.append(100.0 * (counts @ deltas) / n)
        for m in corpus:
            total = get_metric(m).corpus.from_totals  # type: ignore[union-attr]
            sa, sb = stats[m]
            corpus_samples[m].extend(total(x) - total(y) for x, y in zip(counts @ sa, counts @ sb))
    out: dict[str, Difference] = {}
    if deltas is not None:
        resampled = np.concatenate(answer_samples)
        for j, m in enumerate(answer):
            out[m] = Difference(m, float(100.0 * deltas[:, j].mean()), *_interval(resampled[:, j]), n)
    for m in corpus:
        total = get_metric(m).corpus.from_totals  # type: ignore[union-attr]
        sa, sb = stats[m]
        value = total(sa.sum(axis=0)) - total(sb.sum(axis=0))
        out[m] = Difference(m, value, *_interval(np.array(corpus_samples[m])), n)
    return {m: out[m] for m in metrics}


def paired_difference(
    a_rows: Sequence[Row],
    b_rows: Sequence[Row],
    metric: str,
    bootstrap: int = 1000,
    seed: int = 0,
    names: tuple[str, str] = ("A", "B"),
) -> Difference:
    """A minus B of one metric over the same rows, with its paired 95% bootstrap interval."""
    _comparable([metric])
    return compare(row_values(names[0], a_rows), row_values(names[1], b_rows), [metric], bootstrap, seed)[metric]


def by_task(rows: Sequence[Row]) -> dict[str, list[Row]]:
    """Rows grouped by task, tasks in first-seen order."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(str(row["task"]), []).append(row)
    return groups


def compare_answerers(
    rows: Mapping[str, Sequence[Row]],
    pairs: Sequence[tuple[str, str]],
    metrics: Sequence[str],
    bootstrap: int = 1000,
    seed: int = 0,
) -> dict[tuple[str, str], dict[str, dict[str, Difference]]]:
    """{(a, b): {task: {metric: a minus b}}} over each task both answered; each answerer is scored once."""
    _comparable(metrics)
    values: dict[tuple[str, str], RowValues] = {}

    def scored(name: str, task: str, task_rows: Sequence[Row]) -> RowValues:
        if (name, task) not in values:
            values[(name, task)] = row_values(name, task_rows)
        return values[(name, task)]

    grouped = {name: by_task(answers) for name, answers in rows.items()}
    result: dict[tuple[str, str], dict[str, dict[str, Difference]]] = {}
    for a, b in pairs:
        shared = [t for t in grouped[a] if t in grouped[b]]
        result[(a, b)] = {
            task: compare(
                scored(a, task, grouped[a][task]), scored(b, task, grouped[b][task]), metrics, bootstrap, seed
            )
            for task in shared
        }
    return result
