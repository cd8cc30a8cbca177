"""Is a model answering (nearly) the same thing whatever it is shown? A collapsed model scores below
the majority baseline while every loss curve looks fine, so training, the report and serving ask this.

A model has collapsed when, on enough questions, its answers are (nearly) constant (the most common
answer covers >= `top_share` of them, or it gives <= `max_distinct` distinct answers), or when it
answers the training majority of the question's (category, language) for >= `majority_share` of them:
that model learned the per-category prior and nothing the image or the question adds.
Answers are compared after the evaluation's normalisation ("Oil on canvas." == "oil on canvas").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from museumvqa.evaluation.normalize import normalize_answer

TOP_SHARE = 0.9  # most common answer's share of the questions at or above which answers are constant
MAX_DISTINCT = 2  # distinct answers at or below which answers are constant
MAJORITY_SHARE = 0.9  # share of questions answered with their majority at or above which the model is the prior
MIN_QUESTIONS = 50  # fewer questions say too little to call a collapse


@dataclass(frozen=True)
class CollapseReport:
    """How varied a model's answers are, and whether they amount to a collapse (`reasons` say why)."""

    questions: int
    distinct_answers: int
    top_answer: str
    top_answer_share: float  # 0..1
    majority_answer_share: float | None  # 0..1: answers equal to their (category, language) majority; None: unknown
    collapsed: bool
    reasons: list[str] = field(default_factory=list)

    def message(self) -> str:
        """One line for a log or the first lines of a report."""
        if not self.collapsed:
            return f"answers vary: {self.distinct_answers} distinct over {self.questions} questions"
        return f"model collapse: {'; '.join(self.reasons)}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def collapse_report(
    predictions: Sequence[str],
    majority: Sequence[str] | None = None,
    languages: Sequence[str] | None = None,
    *,
    top_share: float = TOP_SHARE,
    max_distinct: int = MAX_DISTINCT,
    majority_share: float = MAJORITY_SHARE,
    min_questions: int = MIN_QUESTIONS,
) -> CollapseReport:
    """The variety of `predictions`; `majority[i]` is the training majority answer of question i's
    (category, language) when known. Under `min_questions` questions nothing is called a collapse."""
    if majority is not None and len(majority) != len(predictions):
        raise ValueError(f"{len(predictions)} predictions but {len(majority)} majority answers")
    languages = languages or ["en"] * len(predictions)
    answers = [normalize_answer(p, lang) for p, lang in zip(predictions, languages)]
    counts = Counter(answers)
    n = len(answers)
    top, top_count = counts.most_common(1)[0] if counts else ("", 0)
    top_fraction = top_count / n if n else 0.0
    as_majority = None
    if majority is not None and n:
        same = sum(a == normalize_answer(m, lang) for a, m, lang in zip(answers, majority, languages))
        as_majority = same / n
    reasons = []
    if n >= min_questions:
        if top_fraction >= top_share:
            reasons.append(f"{top_fraction:.0%} of {n} answers are {top!r}")
        if len(counts) <= max_distinct:
            reasons.append(f"only {len(counts)} distinct answer{'s' if len(counts) != 1 else ''} over {n} questions")
        if as_majority is not None and as_majority >= majority_share:
            reasons.append(f"{as_majority:.0%} of {n} answers are their category's majority answer")
    return CollapseReport(n, len(counts), top, round(top_fraction, 4), _rounded(as_majority), bool(reasons), reasons)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
