"""Scores of the model being trained on a validation table, with the evaluation harness's metrics.

The model answers greedily through the same answerer the evaluation uses, so a validation score
during training is the score `museumvqa evaluate` would give the saved model on those questions.
Generation is wrapped in a forked RNG: evaluating must not change the training run's random stream,
or a run evaluated at other steps (or resumed) would train differently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from PIL import Image
from transformers import ProcessorMixin

from museumvqa.evaluation.metrics import compute_figures
from museumvqa.models.registry import family
from museumvqa.training.examples import QAExample


def validate(
    model: torch.nn.Module,
    processor: ProcessorMixin,
    name: str,
    examples: Sequence[QAExample],
    images: Mapping[str, Image.Image],
    batch_size: int,
) -> dict[str, float]:
    """Every metric of the harness (percentages) over `examples`; the model is back in train mode after."""
    padding_side = processor.tokenizer.padding_side
    with torch.random.fork_rng(devices=_cuda_devices()):
        answerer = family(name).answerer(model, processor, batch_size=batch_size)
        predictions = answerer.answer([images[e.image_key] for e in examples], [e.question for e in examples])
    processor.tokenizer.padding_side = padding_side
    model.train()
    figures = compute_figures(
        predictions, [list(e.answers) for e in examples], [e.language for e in examples], bootstrap=1
    )
    return {name: round(figure.value, 2) for name, figure in figures.items()}


def _cuda_devices() -> list[int]:
    return list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
