"""Scores of the model being trained on a validation table, with the evaluation harness's metrics, and
whether its answers have collapsed (training/collapse.py).

The model answers greedily through the same answerer the evaluation uses, so a validation score
during training is the score `museumvqa evaluate` would give the saved model on those questions.
Generation is wrapped in a forked RNG: evaluating must not change the training run's random stream,
or a run evaluated at other steps (or resumed) would train differently.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from PIL import Image
from transformers import ProcessorMixin

from museumvqa.evaluation.metrics import compute_figures
from museumvqa.models.registry import family
from museumvqa.training.collapse import CollapseReport, collapse_report
from museumvqa.training.examples import QAExample

Majority = dict[tuple[str, str], str]  # (category, language) -> the most frequent first training answer


@dataclass(frozen=True)
class Validation:
    """One evaluation: the harness's metrics (percentages) and how varied the answers were."""

    scores: dict[str, float]
    collapse: CollapseReport

    def history_entry(self, step: int) -> dict[str, Any]:
        """What the training history records of it: the metrics and the answers' variety (shares in %)."""
        c = self.collapse
        variety: dict[str, Any] = {
            "distinct_answers": c.distinct_answers,
            "top_answer_share": _percent(c.top_answer_share),
        }
        if c.majority_answer_share is not None:
            variety["majority_answer_share"] = _percent(c.majority_answer_share)
        return {"step": step, **self.scores, **variety, "collapsed": c.collapsed}


def validate(
    model: torch.nn.Module,
    processor: ProcessorMixin,
    name: str,
    examples: Sequence[QAExample],
    images: Mapping[str, Image.Image],
    batch_size: int,
    majority: Majority | None = None,
) -> Validation:
    """Every metric of the harness over `examples`, and the collapse check against the training `majority`
    (when examples carry categories); the model is back in train mode after."""
    padding_side = processor.tokenizer.padding_side
    with torch.random.fork_rng(devices=_cuda_devices()):
        answerer = family(name).answerer(model, processor, batch_size=batch_size)
        predictions = answerer.answer([images[e.image_key] for e in examples], [e.question for e in examples])
    processor.tokenizer.padding_side = padding_side
    model.train()
    languages = [e.language for e in examples]
    figures = compute_figures(predictions, [list(e.answers) for e in examples], languages, bootstrap=1)
    scores = {metric: round(figure.value, 2) for metric, figure in figures.items()}
    return Validation(scores, collapse_report(predictions, majority_of(examples, majority), languages))


def training_majority(examples: Sequence[QAExample]) -> Majority | None:
    """The most frequent first answer per (category, language) of the training examples (ties: the
    smallest text, as the evaluation's majority baseline); None when the examples carry no category."""
    counts: dict[tuple[str, str], Counter[str]] = {}
    for e in examples:
        if e.category is not None:
            counts.setdefault((e.category, e.language), Counter())[e.answer] += 1
    if not counts:
        return None
    return {pair: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for pair, c in counts.items()}


def majority_of(examples: Sequence[QAExample], majority: Majority | None) -> list[str] | None:
    """Each example's training majority answer ("" for a pair training never saw); None without one."""
    if majority is None or any(e.category is None for e in examples):
        return None
    return [majority.get((e.category or "", e.language), "") for e in examples]


def _percent(share: float) -> float:
    return round(100.0 * share, 2)


def _cuda_devices() -> list[int]:
    return list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
