"""The report's first lines: has a model answerer collapsed on the test questions (training/collapse.py)?
A collapsed model can still sit near the majority baseline in every table, so the report says it before
any table: "**WARNING model collapse**: NAME: 97% of 461 answers are 'painting'", else "NAME: answers
vary: N distinct over M questions".

Each distinct (question, image) of the answerer's predictions counts once (tasks share questions), and
the majority it is compared with is the run's per-(category, language) training majority
(majority.py). Baselines and oracles are not checked: `baseline:majority` is that majority by design.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from museumvqa.errors import UserError
from museumvqa.evaluation.comparisons import answerer_rows, is_reference
from museumvqa.evaluation.majority import Majority, majority_answers
from museumvqa.training.collapse import MIN_QUESTIONS, CollapseReport, collapse_report


def answer_variety(rows: list[dict[str, Any]], majority: Majority | None) -> CollapseReport:
    """The collapse check over the distinct (question, image) pairs of one answerer's predictions."""
    distinct = list({(r["question_id"], str(r.get("image_key") or "")): r for r in rows}.values())
    expected = [majority.answer(r["category"], r["language"]) for r in distinct] if majority else None
    return collapse_report([r["prediction"] for r in distinct], expected, [r["language"] for r in distinct])


def _line(name: str, report: CollapseReport) -> str:
    if report.collapsed:
        return f"**WARNING model collapse**: {name}: {'; '.join(report.reasons)}"
    if report.questions < MIN_QUESTIONS:
        plural = "" if report.distinct_answers == 1 else "s"
        return (
            f"{name}: {report.distinct_answers} distinct answer{plural} over {report.questions} questions "
            f"(too few questions to call a collapse: under {MIN_QUESTIONS})"
        )
    return f"{name}: {report.message()}"


def collapse_lines(results: dict[str, Any], train_table: Path, name: Callable[[str], str]) -> list[str]:
    """One line per model answerer of a run's scores.json (`name` shows it); nothing without a model."""
    majority = majority_answers(train_table) if train_table.is_file() else None
    lines = []
    for answerer, result in results.items():
        if is_reference(answerer):
            continue
        try:
            lines.append(_line(name(answerer), answer_variety(answerer_rows(answerer, result), majority)))
        except UserError as error:
            lines.append(f"{name(answerer)}: answers not checked ({error})")
    return lines
