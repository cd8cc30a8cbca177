"""Question/answer examples for training and validation, read from a run's QA tables and shards."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
from PIL import Image

from museumvqa.errors import UserError
from museumvqa.images.reader import ShardImages
from museumvqa.io import read_parquet_dir

QA_COLUMNS = ("question_id", "question", "answers", "image_key")  # those of the QA table that training reads


@dataclass(frozen=True)
class QAExample:
    """One question about one image; the model learns the first answer, validation accepts any.

    `category` (when the table has one) lets training compare the model with the per-(category,
    language) majority answer, to tell a model that learned from one that collapsed (collapse.py).
    """

    image_key: str
    question: str
    answers: tuple[str, ...]
    language: str = "en"
    category: str | None = None

    @property
    def answer(self) -> str:
        return self.answers[0]


def read_examples(table_path: str | Path) -> list[QAExample]:
    """One example per question with an image, in table order."""
    table: pa.Table = read_parquet_dir(table_path)
    absent = [c for c in QA_COLUMNS if c not in table.column_names]
    if absent:
        raise UserError(f"{table_path}: missing columns {', '.join(absent)}")
    columns = [*QA_COLUMNS, *(c for c in ("language", "category") if c in table.column_names)]
    examples = []
    for row in table.select(columns).to_pylist():
        if not row["answers"]:
            raise UserError(f"{table_path}: question {row['question_id']!r} has no answer")
        if row["image_key"] is not None:
            language = row.get("language") or "en"
            answers = tuple(row["answers"])
            examples.append(QAExample(row["image_key"], row["question"], answers, language, row.get("category")))
    if not examples:
        raise UserError(f"{table_path}: no question has an image")
    return examples


def read_split(
    table_path: str | Path, shards_dir: str | Path, limit: int | None = None
) -> tuple[list[QAExample], Mapping[str, Image.Image]]:
    """The examples of a QA table (the first `limit`) and their images from the shards."""
    examples = read_examples(table_path)[:limit]
    return examples, ShardImages(shards_dir, {e.image_key for e in examples})


def check_images(examples: list[QAExample], images: Mapping[str, Image.Image]) -> None:
    if not examples:
        raise UserError("no training examples")
    missing = sorted({e.image_key for e in examples} - images.keys())
    if missing:
        raise UserError(f"{len(missing)} training images missing, e.g. {missing[0]!r}")
