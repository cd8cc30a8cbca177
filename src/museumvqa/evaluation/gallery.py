"""The error gallery: a seeded sample of wrong answers per task and category, with their image."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from museumvqa.evaluation.metrics import score_answer
from museumvqa.evaluation.score import read_predictions
from museumvqa.images.reader import load_images


@dataclass(frozen=True)
class GalleryItem:
    """One wrong answer: what was asked on which image, the gold answers and the prediction."""

    answerer: str
    task: str
    category: str
    question: str
    answers: list[str]
    prediction: str
    image_key: str
    thumbnail: bytes  # JPEG


def _thumbnail(image: Any, size: int) -> bytes:
    image = image.convert("RGB")
    image.thumbnail((size, size))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def wrong_answers(
    predictions: Path, shards_dir: Path, per_group: int = 2, seed: int = 0, thumbnail: int = 128
) -> list[GalleryItem]:
    """Up to `per_group` wrong (not exactly matching) answers per (task, category), sampled with `seed`."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in read_predictions(predictions):
        if not score_answer(row["prediction"], row["answers"], row["language"]).exact:
            groups.setdefault((row["task"], row["category"]), []).append(row)
    rng = random.Random(seed)
    chosen = [row for key in sorted(groups) for row in rng.sample(groups[key], min(per_group, len(groups[key])))]
    keys = {row["image_key"] for row in chosen if row.get("image_key")}
    images = load_images(shards_dir, keys) if keys else {}
    return [
        GalleryItem(
            answerer=row["model"],
            task=row["task"],
            category=row["category"],
            question=row["question"],
            answers=row["answers"],
            prediction=row["prediction"],
            image_key=row["image_key"],
            thumbnail=_thumbnail(images[row["image_key"]], thumbnail),
        )
        for row in chosen
        if row.get("image_key") in images
    ]
