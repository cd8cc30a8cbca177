"""Anything that answers questions about images: a model, or a baseline. Registered by name."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import pyarrow.parquet as pq
from PIL import Image

from museumvqa.errors import UserError


class Answerer(Protocol):
    """Answers a batch of task rows (question, category, ...) given their images."""

    name: str

    def answer_rows(self, rows: Sequence[dict[str, Any]], images: Sequence[Image.Image]) -> list[str]: ...


class MajorityBaseline:
    """The most frequent training answer of each question category: the floor any model must beat."""

    name = "baseline:majority"

    def __init__(self, train_table: str | Path) -> None:
        table = pq.read_table(train_table, columns=["category", "answers"])
        per_category: dict[str, Counter[str]] = {}
        for category, answers in zip(table["category"].to_pylist(), table["answers"].to_pylist()):
            per_category.setdefault(category, Counter())[answers[0]] += 1
        # ties broken by the answer text so the baseline is deterministic
        self.answers = {c: min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0] for c, counts in per_category.items()}

    def answer_rows(self, rows: Sequence[dict[str, Any]], images: Sequence[Image.Image]) -> list[str]:
        return [self.answers.get(row["category"], "") for row in rows]


class ModelAnswerer:
    """A fine-tuned (or pretrained) BLIP answering from the image and the question text."""

    def __init__(self, model: str, batch_size: int = 16) -> None:
        from museumvqa.models.blip import BlipAnswerer, load_blip

        blip, processor = load_blip(model)
        self.inner = BlipAnswerer(blip, processor, batch_size=batch_size)
        self.name = str(model)

    def answer_rows(self, rows: Sequence[dict[str, Any]], images: Sequence[Image.Image]) -> list[str]:
        return self.inner.answer(list(images), [row["question"] for row in rows])


def make_answerer(spec: str, train_table: str | Path | None = None, batch_size: int = 16) -> Answerer:
    """`baseline:majority`, or a model folder / hub id."""
    if spec == "baseline:majority":
        if train_table is None or not Path(train_table).is_file():
            raise UserError("baseline:majority needs the training split (run `museumvqa benchmarks` first)")
        return MajorityBaseline(train_table)
    if spec.startswith("baseline:"):
        raise UserError(f"unknown baseline {spec!r}; known: baseline:majority")
    return ModelAnswerer(spec, batch_size=batch_size)
