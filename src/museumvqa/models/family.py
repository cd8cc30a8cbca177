"""What training, evaluation and serving need from a model family, declared once as a `FamilySpec`.

They look a family up by name (models/registry.py) rather than branching on it, so a new family is
one module under models/ that ends by registering its spec. The registry imports every module of
models/ to find the families, and settings are checked before torch loads: so a family module
imports torch, transformers and the like inside its functions, never at the top.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import torch
    from PIL import Image

    from museumvqa.training.examples import QAExample

IGNORE = -100  # label value the loss skips
Batch = dict[str, "torch.Tensor"]


class FamilyAnswerer(Protocol):
    """Greedy answers of one family's model; `prompt` is what a predictions file records as asked."""

    family: str  # the registered family name, to find the spec from an answerer
    model: Any
    processor: Any
    max_new_tokens: int
    batch_size: int
    name: str

    def prompt(self, question: str, context: str | None = None) -> str: ...

    def answer(
        self,
        images: Sequence[Image.Image],
        questions: Sequence[str],
        contexts: Sequence[str | None] | None = None,
    ) -> list[str]: ...


class Collator(Protocol):
    """Turns planned batches of example indices into the tensors a training step feeds the model."""

    processor: Any

    @property
    def lengths(self) -> list[int] | None:
        """Token count of each example when a batch must hold one length only; None when any mix works."""

    def texts(self, index: int) -> tuple[str, list[int]]:
        """What the model reads and is taught for one example, as text and its token ids (preflight checks)."""

    def __call__(self, batch: list[int]) -> Batch: ...


def no_preflight_limits(model_config: Any) -> dict[str, int]:
    """A family whose batches need no checks beyond preflight's labels and tokenizer round trip."""
    return {}


def no_start_from_answers(model: Any, collate: Any) -> None:
    """A family whose model built from scratch learns from a random start alone."""


@dataclass(frozen=True, eq=False)
class FamilySpec:
    """One model family: how to load and build it, answer with it, batch for it, freeze and adapt it."""

    name: str  # the `family` setting, and what a training summary records
    label: str  # how messages name it ("BLIP")
    model_types: tuple[str, ...]  # `model_type` values of a saved model's config.json that belong to it
    load: Callable[[str | Path], tuple[Any, Any]]  # (model, processor): folder or hub id, safetensors only
    # (image_size, seed, hidden, layers, heads[, vocabulary=token -> id]): the keyword only for `tiny.vocabulary: data`
    new_tiny: Callable[..., tuple[Any, Any]]
    answerer: Callable[..., FamilyAnswerer]  # (model, processor, max_new_tokens, batch_size=, name=)
    # (model, processor, examples, images, max_question_tokens, max_answer_tokens) -> the training collator
    collator: Callable[[Any, Any, Sequence[QAExample], Mapping[str, Image.Image], int, int], Collator]
    parts: Mapping[str, tuple[str, ...]]  # freezable part (training config `freeze`) -> parameter-name prefixes
    lora_scope: str  # regex over module names: the part of the model LoRA adapts
    lora_targets: tuple[str, ...]  # default adapted layers inside the scope (module-name suffixes)
    fully_trained: tuple[str, ...] = ()  # modules trained whole under LoRA and saved with the adapter
    reads_context: bool = False  # its prompt can carry a catalogue record (serving's grounded mode)
    # model config -> keyword arguments of training.preflight.preflight (image_seq_length, max_positions)
    preflight_limits: Callable[[Any], dict[str, int]] = no_preflight_limits
    # (model, its training collator): set what the training answers tell before the first step, for a model
    # built from scratch (BLIP: its answer tokens' frequencies; see models/blip.py `start_from_answers`)
    start_from_answers: Callable[[Any, Any], None] = no_start_from_answers


def same_length_batches(lengths: Sequence[int], batch_size: int, rng: random.Random | None = None) -> list[list[int]]:
    """Indices grouped into batches whose inputs all have the same token count, for models that attend to padding.

    With `rng` the order is shuffled (training), without it fixed (inference).
    """
    groups: dict[int, list[int]] = {}
    for index, length in enumerate(lengths):
        groups.setdefault(length, []).append(index)
    batches = []
    for length in sorted(groups):
        members = groups[length]
        if rng is not None:
            rng.shuffle(members)
        batches.extend(members[i : i + batch_size] for i in range(0, len(members), batch_size))
    if rng is not None:
        rng.shuffle(batches)
    return batches
