"""The majority baseline: the floor any model must beat, and the fallback answer of the retrieval and
question-only ones. It is taken per (category, language) from the training split only: a French question
gets the most frequent French training answer, not the English one (on MultiLanguage, answering French
questions in English scored 12.2 where the per-language majority scores 35.7)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from PIL import Image

FALLBACK = "the category's most frequent training answer across languages, for a (category, language) not in training"


def most_frequent(counts: Counter[str]) -> str:
    """The most frequent answer; ties go to the smallest text, so every run picks the same one."""
    return min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]


@dataclass(frozen=True)
class Majority:
    """The most frequent first gold answer per (category, language) of the training split, and per category
    across languages for the pairs training never saw."""

    per_pair: dict[tuple[str, str], str]
    per_category: dict[str, str]

    def answer(self, category: str, language: str) -> str:
        """The pair's majority; the category's across languages when training never saw the pair; "" for a
        category training never saw."""
        found = self.per_pair.get((category, language))
        return found if found is not None else self.per_category.get(category, "")

    def coverage(self) -> dict[str, Any]:
        """Which questions get the fallback: every language training lacks, and the listed categories of the
        languages it has. Recorded in each baseline's `generation`."""
        languages = sorted({language for _, language in self.per_pair})
        missing = {
            language: sorted(c for c in self.per_category if (c, language) not in self.per_pair)
            for language in languages
        }
        return {
            "fallback": FALLBACK,
            "training_languages": languages,
            "categories_missing_per_language": {language: cats for language, cats in missing.items() if cats},
        }


def majority_answers(train_table: str | Path) -> Majority:
    """Count the first gold answers of the training split per (category, language) and per category."""
    table = pq.read_table(train_table, columns=["category", "language", "answers"])
    per_pair: dict[tuple[str, str], Counter[str]] = {}
    per_category: dict[str, Counter[str]] = {}
    columns = (table[name].to_pylist() for name in ("category", "language", "answers"))
    for category, language, answers in zip(*columns):
        per_pair.setdefault((category, language), Counter())[answers[0]] += 1
        per_category.setdefault(category, Counter())[answers[0]] += 1
    return Majority(
        {pair: most_frequent(counts) for pair, counts in per_pair.items()},
        {category: most_frequent(counts) for category, counts in per_category.items()},
    )


class MajorityBaseline:
    """The most frequent training answer of the question's category in its language: the floor any model
    must beat. It reads no pixels."""

    name = "baseline:majority"
    reads_pixels = False

    def __init__(self, train_table: str | Path) -> None:
        self.majority = majority_answers(train_table)
        self.generation: dict[str, Any] = {
            "method": "most frequent training answer of the question's (category, language)",
            **self.majority.coverage(),
        }

    def prompt(self, row: dict[str, Any]) -> str:
        return f"{row['category']} ({row['language']})"

    def answer_rows(self, rows: Sequence[dict[str, Any]], images: Sequence[Image.Image]) -> list[str]:
        return [self.majority.answer(row["category"], row["language"]) for row in rows]
