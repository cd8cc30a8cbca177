"""General (non-museum) VQA sets that ship offline, by name: what a model fine-tuned on museum data is
checked against for forgetting (evaluation/forgetting.py). Another set is one entry in `GENERAL_SETS`.

easy-vqa (MIT, the `easy-vqa` package: 64x64 images of one coloured shape, 13 one-word answers,
38,575 train and 9,673 test questions) ships its images inside the package, so no download is made.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from PIL import Image

from museumvqa.errors import UserError

SPLITS = ("train", "test")


@dataclass(frozen=True)
class GeneralQuestion:
    """One question of a general set; `category` is the kind of answer (shape, color, yes/no, ...)."""

    question_id: str
    image_key: str
    question: str
    answers: tuple[str, ...]
    category: str
    language: str = "en"

    def row(self, task: str) -> dict[str, Any]:
        """The question as a predictions-file row (evaluation/predict.py's fields), prediction not yet set."""
        return {
            "question_id": self.question_id,
            "exhibit_id": self.image_key,
            "task": task,
            "category": self.category,
            "language": self.language,
            "question": self.question,
            "answers": list(self.answers),
            "image_key": self.image_key,
        }


@dataclass(frozen=True)
class GeneralSet:
    """Questions and the images they ask about (RGB), with where they come from."""

    name: str
    source: str
    questions: list[GeneralQuestion]
    images: dict[str, Image.Image]


EASY_VQA_SHAPES = ("circle", "rectangle", "triangle")


def _easy_vqa_kind(answer: str) -> str:
    if answer in ("yes", "no"):
        return "yes/no"
    return "shape" if answer in EASY_VQA_SHAPES else "color"


def _easy_vqa(split: str, limit: int | None, seed: int) -> GeneralSet:
    try:
        root = files("easy_vqa") / "data" / split
    except ModuleNotFoundError:
        raise UserError(
            "general set 'easy-vqa' needs the easy-vqa package: pip install 'museumvqa[general]'"
        ) from None
    questions = json.loads((root / "questions.json").read_text())  # [question, answer, image id]
    chosen = _sample(len(questions), limit, seed)
    asked = [
        GeneralQuestion(f"easy-vqa:{split}:{i}", str(image), question, (answer,), _easy_vqa_kind(answer))
        for i, (question, answer, image) in ((i, questions[i]) for i in chosen)
    ]
    images = {}
    for key in sorted({q.image_key for q in asked}, key=int):
        with Image.open(root / "images" / f"{key}.png") as image:  # type: ignore[arg-type]
            images[key] = image.convert("RGB")
    return GeneralSet("easy-vqa", f"easy-vqa 1.0 ({split} split; MIT, the easy-vqa package)", asked, images)


def _sample(total: int, limit: int | None, seed: int) -> list[int]:
    """`limit` question positions drawn with `seed`, in file order; all of them without a limit."""
    if limit is None or limit >= total:
        return list(range(total))
    return sorted(random.Random(seed).sample(range(total), limit))


# name -> loader(split, limit, seed)
GENERAL_SETS: dict[str, Callable[[str, int | None, int], GeneralSet]] = {"easy-vqa": _easy_vqa}


def load_general(name: str, split: str = "test", limit: int | None = None, seed: int = 0) -> GeneralSet:
    """A general set by name: `limit` questions of `split` drawn with `seed` (all without a limit)."""
    if name not in GENERAL_SETS:
        raise UserError(f"unknown general VQA set {name!r}; known: {', '.join(GENERAL_SETS)}")
    if split not in SPLITS:
        raise UserError(f"general VQA set {name!r}: unknown split {split!r}; known: {', '.join(SPLITS)}")
    if limit is not None and limit < 1:
        raise UserError(f"general VQA set {name!r}: limit must be at least 1, got {limit}")
    return GENERAL_SETS[name](split, limit, seed)
