"""Exhibits -> QA table. Deterministic for a seed: the same inputs give byte-identical output."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from museumvqa.catalog.schema import Exhibit, exhibit_from_row
from museumvqa.errors import UserError
from museumvqa.io import atomic_path, write_json
from museumvqa.questions.answers import ANSWERS
from museumvqa.questions.templates import Template, load_templates

QA_SCHEMA = pa.schema(
    [
        ("question_id", pa.string()),
        ("exhibit_id", pa.string()),
        ("category", pa.string()),
        ("language", pa.string()),
        ("template_id", pa.string()),
        ("question", pa.string()),
        ("answers", pa.list_(pa.string())),
        ("visual", pa.bool_()),
    ]
)


@dataclass(frozen=True)
class QAPair:
    question_id: str
    exhibit_id: str
    category: str
    language: str
    template_id: str
    question: str
    answers: list[str]
    visual: bool


def questions_for_exhibit(
    ex: Exhibit, templates: Sequence[Template], categories: Sequence[str], max_per_category: int, seed: int
) -> Iterator[QAPair]:
    """Pick up to `max_per_category` templates per category (seeded per exhibit) and fill them in."""
    object_types = ex.values("object_type")
    obj = object_types[0].lower() if object_types else "object"
    for category in categories:
        answers = ANSWERS[category](ex)
        if not answers:
            continue
        pool = [t for t in templates if t.category == category]
        rng = random.Random(f"{seed}|{ex.exhibit_id}|{category}")
        for t in rng.sample(pool, min(max_per_category, len(pool))):
            yield QAPair(
                question_id=f"{ex.exhibit_id}#{t.language}:{t.id}",
                exhibit_id=ex.exhibit_id,
                category=category,
                language=t.language,
                template_id=t.id,
                question=t.text.format(object=obj),
                answers=answers,
                visual=t.visual,
            )


def generate_questions(
    exhibits_dir: str | Path,
    out_dir: str | Path,
    languages: Sequence[str] = ("en",),
    categories: Sequence[str] | None = None,
    max_per_category: int = 1,
    seed: int = 0,
    progress: bool = True,
) -> dict[str, int]:
    """Write `out_dir/qa.parquet` and `out_dir/manifest.json`; returns counts per category."""
    categories = list(categories or ANSWERS)
    unknown = sorted(set(categories) - set(ANSWERS))
    if unknown:
        raise UserError(f"unknown question categories {unknown}; known: {', '.join(ANSWERS)}")
    if max_per_category < 1:
        raise UserError("max_per_category must be at least 1")
    templates = [t for lang in languages for t in load_templates(lang)]
    files = sorted(Path(exhibits_dir).glob("*.parquet"))
    if not files:
        raise UserError(f"{exhibits_dir}: no exhibit Parquet files (run `museumvqa ingest` first)")
    counts: Counter[str] = Counter()
    out = Path(out_dir)
    with atomic_path(out / "qa.parquet") as tmp, pq.ParquetWriter(tmp, QA_SCHEMA) as writer:
        for file in files:
            for batch in tqdm(
                pq.ParquetFile(file).iter_batches(batch_size=2048), desc="questions", unit="batch", disable=not progress
            ):
                rows = []
                for row in batch.to_pylist():
                    for pair in questions_for_exhibit(
                        exhibit_from_row(row), templates, categories, max_per_category, seed
                    ):
                        rows.append(pair.__dict__)
                        counts[pair.category] += 1
                writer.write_table(pa.Table.from_pylist(rows, schema=QA_SCHEMA))
    write_json(
        {
            "languages": list(languages),
            "categories": categories,
            "max_per_category": max_per_category,
            "seed": seed,
            "pairs": sum(counts.values()),
            "per_category": dict(sorted(counts.items())),
        },
        out / "manifest.json",
    )
    return dict(counts)
