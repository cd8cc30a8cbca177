"""A tiny BLIP trained briefly on the demo's own questions about Met paintings learns from them.

The demo's model once answered "painting" to every question (its question encoder collapsed early in
training; models/blip.py `start_from_answers`) and no test noticed. Here, on its training images,
the model must beat the per-(category, language) majority answer by a margin that neither a collapsed
model (one answer for everything) nor a model of the category prior alone (the majority itself) reaches.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from PIL import Image

from museumvqa.evaluation.metrics import score_answers
from museumvqa.models.blip import BlipAnswerer
from museumvqa.questions.generate import generate_questions
from museumvqa.training.collapse import collapse_report
from museumvqa.training.config import TinyModel, TrainConfig
from museumvqa.training.examples import QAExample
from museumvqa.training.run import train_examples
from museumvqa.training.validation import majority_of, training_majority

# Categories whose answer a training image fixes (the demo also asks title, creator, date, birth year).
CATEGORIES = ["department", "medium", "object_type", "acquisition", "title"]
IMAGES = 16
MARGIN = 10.0  # percentage points of complete precision over the majority answer (measured: 75.0 vs 60.0)


def demo_questions(exhibits: Path, out: Path) -> tuple[list[QAExample], dict[str, Image.Image]]:
    """The demo's English questions about the first IMAGES paintings, each with its primary photograph."""
    generate_questions(exhibits, out, categories=CATEGORIES, max_per_category=1, seed=0, progress=False)
    photos = {r["exhibit_id"]: r["images"][0]["uri"] for r in pq.read_table(exhibits).to_pylist() if r["images"]}
    chosen = sorted(photos)[:IMAGES]
    rows = [r for r in pq.read_table(out / "qa.parquet").to_pylist() if r["exhibit_id"] in chosen]
    examples = [
        QAExample(r["exhibit_id"], r["question"], tuple(r["answers"]), r["language"], r["category"]) for r in rows
    ]
    return examples, {key: Image.open(photos[key]).convert("RGB") for key in chosen}


def complete_precision(predictions: list[str], examples: list[QAExample]) -> float:
    scores = score_answers(predictions, [list(e.answers) for e in examples], [e.language for e in examples])
    return 100.0 * float((scores.precision == 1).mean())


def check_learned(predictions: list[str], examples: list[QAExample]) -> None:
    """The model's answers beat each category's majority by MARGIN and did not collapse."""
    majority = majority_of(examples, training_majority(examples))
    assert majority is not None
    model, prior = complete_precision(predictions, examples), complete_precision(majority, examples)
    report = collapse_report(predictions, majority, [e.language for e in examples])
    assert not report.collapsed, report.message()
    assert model >= prior + MARGIN, (model, prior, Counter(predictions).most_common(5))


def test_the_check_fails_a_collapsed_model_and_the_category_prior(ingested_sample: Path, tmp_path: Path) -> None:
    examples, _ = demo_questions(ingested_sample / "exhibits", tmp_path / "questions")
    assert len(examples) >= 50 and {e.category for e in examples} == set(CATEGORIES)
    majority = majority_of(examples, training_majority(examples))
    assert majority is not None
    for collapsed in (["Painting"] * len(examples), majority):
        with pytest.raises(AssertionError):
            check_learned(collapsed, examples)
    check_learned([e.answer for e in examples], examples)  # a model that learned its examples passes


@pytest.mark.slow
def test_a_short_training_beats_the_majority_on_its_training_images(ingested_sample: Path, tmp_path: Path) -> None:
    examples, images = demo_questions(ingested_sample / "exhibits", tmp_path / "questions")
    config = TrainConfig(epochs=40, batch_size=8, learning_rate=2e-3, tiny=TinyModel(32, 64, 2, 4))
    train_examples(config, examples, images, tmp_path / "model", progress=False)

    answerer = BlipAnswerer.load(tmp_path / "model", batch_size=64)
    check_learned(answerer.answer([images[e.image_key] for e in examples], [e.question for e in examples]), examples)
