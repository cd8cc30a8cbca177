"""The majority baseline: the floor any model must beat, and the fallback answer of the retrieval one."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from PIL import Image


def majority_answers(train_table: str | Path) -> dict[str, str]:
    """The most frequent first gold answer per category (ties broken by the answer text: deterministic)."""
    table = pq.read_table(train_table, columns=["category", "answers"])
    per_category: dict[str, Counter[str]] = {}
    for category, answers in zip(table["category"].to_pylist(), table["answers"].to_pylist()):
        per_category.setdefault(category, Counter())[answers[0]] += 1
    return {c: min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0] for c, counts in per_category.items()}


class MajorityBaseline:
    """The most frequent training answer of each question category: the floor any model must beat."""

    name = "baseline:majority"
    generation: dict[str, Any] = {"method": "most frequent training answer of the question's category"}

    def __init__(self, train_table: str | Path) -> None:
        self.answers = majority_answers(train_table)

    def prompt(self, row: dict[str, Any]) -> str:
        return row["category"]

    def answer_rows(self, rows: Sequence[dict[str, Any]], images: Sequence[Image.Image]) -> list[str]:
        return [self.answers.get(row["category"], "") for row in rows]
