"""A tiny BLIP trained from scratch on real VQA data (easy-vqa) learns, and learns from the pixels.

Two baselines: the majority answer ("yes"), and the best answer given the question alone. The
second is strong on easy-vqa (its yes/no questions are predictable from their wording), so the
colour questions, whose answer only the image holds, show that the model looks at the image.
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from importlib.resources import files

import pytest
from PIL import Image

from museumvqa.models.blip import BlipAnswerer, load_blip
from museumvqa.training.config import TinyModel, TrainConfig
from museumvqa.training.examples import QAExample
from museumvqa.training.run import train_examples

COLOURS = {"red", "green", "blue", "black", "gray", "brown", "yellow", "teal"}


def easy_vqa(split: str, n_images: int, seed: int) -> tuple[list[QAExample], dict[str, Image.Image]]:
    root = files("easy_vqa") / "data" / split
    questions = json.loads((root / "questions.json").read_text())
    ids = sorted({image_id for _, _, image_id in questions})
    chosen = set(random.Random(seed).sample(ids, n_images))
    examples = [QAExample(str(i), q, (a,)) for q, a, i in questions if i in chosen]
    images = {str(i): Image.open(root / "images" / f"{i}.png").convert("RGB") for i in sorted(chosen)}
    return examples, images


def exact_match(predictions: list[str], examples: list[QAExample]) -> float:
    return sum(p == e.answer for p, e in zip(predictions, examples)) / len(examples)


@pytest.mark.slow
def test_tiny_blip_beats_majority_and_question_only_baselines(tmp_path):
    train, train_images = easy_vqa("train", 200, seed=0)  # 1,961 questions
    test, test_images = easy_vqa("test", 100, seed=1)  # 940 questions
    # about 125 s on 2 quiet cores (data vocabulary); colours are learnt from about epoch 15 on, shapes barely by epoch 30
    config = TrainConfig(epochs=30, batch_size=32, learning_rate=1e-3, tiny=TinyModel(32, 64, 2, 4, vocabulary="data"))
    train_examples(config, train, train_images, tmp_path / "model", progress=False)

    answerer = BlipAnswerer(*load_blip(tmp_path / "model"), batch_size=64)
    predictions = answerer.answer([test_images[e.image_key] for e in test], [e.question for e in test])

    majority = Counter(e.answer for e in train).most_common(1)[0][0]
    by_question: dict[str, Counter[str]] = defaultdict(Counter)
    for e in train:
        by_question[e.question][e.answer] += 1
    prior = [by_question[e.question].most_common(1)[0][0] if e.question in by_question else majority for e in test]

    model_em = exact_match(predictions, test)
    majority_em = exact_match([majority] * len(test), test)
    assert model_em >= majority_em + 0.10, (model_em, majority_em)

    colour = [i for i, e in enumerate(test) if e.answer in COLOURS]
    colour_em = exact_match([predictions[i] for i in colour], [test[i] for i in colour])
    colour_prior_em = exact_match([prior[i] for i in colour], [test[i] for i in colour])
    assert len(colour) >= 50
    assert colour_em >= colour_prior_em + 0.10, (colour_em, colour_prior_em)
