"""Checks on the first batches, before the first step: a wrong template or tokenizer fails in seconds.

A chat template that renders the prompt differently alone than inside the conversation leaves no
token known to be the answer: every label is masked and the loss is zero or NaN, so a run would
"train" for days on nothing. An image token count that disagrees with the vision tower, or a
tokenizer that loses the question or answer (a wrong vocabulary maps words to [UNK]), are as silent.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from museumvqa.errors import UserError
from museumvqa.models.family import IGNORE, Collator
from museumvqa.training.examples import QAExample

SAMPLE = 256  # examples checked
MAX_LOSSY_SHARE = 0.1  # share of sampled examples whose text may not survive the tokenizer (rare characters)


@dataclass
class PreflightReport:
    examples: int  # checked
    label_share: float  # share of the real (non-padding) tokens that carry a label
    lossy: int  # examples whose question or answer did not survive encode + decode


def preflight(
    collator: Collator,
    examples: Sequence[QAExample],
    plan: Sequence[list[int]],
    image_seq_length: int | None = None,
    max_positions: int | None = None,
) -> PreflightReport:
    """Collate the first planned batches (about SAMPLE examples) as training will and check them.

    `image_seq_length` and `max_positions` (a family's `preflight_limits`) add the image token and length checks.
    """
    chosen: list[list[int]] = []
    for batch in plan:
        if sum(map(len, chosen)) >= SAMPLE:
            break
        chosen.append(batch)
    indices = [i for batch in chosen for i in batch]
    batches = [collator(batch) for batch in chosen]
    if image_seq_length is not None:
        _check_image_tokens(batches, collator, image_seq_length)
    if max_positions is not None:
        longest = max(b["input_ids"].shape[1] for b in batches)
        if longest > max_positions:
            raise UserError(f"preflight: an example has {longest} tokens, the model reads at most {max_positions}")
    share = _label_share(batches)
    lossy = [i for i in indices if not _survives(collator, examples[i], i)]
    if len(lossy) > MAX_LOSSY_SHARE * len(indices):
        first = examples[lossy[0]]
        raise UserError(
            f"preflight: tokenizer round trip loses the text of {len(lossy)} of {len(indices)} examples,"
            f" e.g. question {first.question!r} answer {first.answer!r}"
        )
    return PreflightReport(len(indices), share, len(lossy))


def _check_image_tokens(batches: list[dict[str, torch.Tensor]], collator: Collator, per_image: int) -> None:
    image_id = collator.processor.image_token_id
    for batch in batches:
        counts = (batch["input_ids"] == image_id).sum(dim=1)
        images = batch["pixel_values"].shape[0]
        if images != len(counts):
            raise UserError(f"preflight: {images} images for {len(counts)} conversations (expected one each)")
        wrong = [int(c) for c in counts if c != per_image]
        if wrong:
            raise UserError(
                f"preflight: a conversation has {wrong[0]} <image> tokens, the model expects {per_image}"
                " per image (image_seq_length; check the chat template and the processor's patch size)"
            )


def _label_share(batches: list[dict[str, torch.Tensor]]) -> float:
    """Labelled tokens over real ones; zero means a template mismatch, which is fatal."""
    labelled = sum(int((b["labels"] != IGNORE).sum()) for b in batches)
    real = sum(int(b.get("decoder_attention_mask", b.get("attention_mask")).sum()) for b in batches)
    if labelled == 0:
        raise UserError(
            "preflight: every label token is masked (0% of tokens are trained on): the chat template renders"
            " the prompt differently alone than in the conversation, so no token is known to be the answer"
        )
    return labelled / real


def _survives(collator: Collator, example: QAExample, index: int) -> bool:
    _, ids = collator.texts(index)
    decoded = _plain(collator.processor.tokenizer.decode(ids, skip_special_tokens=True))
    return _plain(example.question) in decoded and _plain(example.answer) in decoded


def _plain(text: str) -> str:
    """Lower case, no accents, no whitespace: what an uncased WordPiece round trip may change."""
    text = unicodedata.normalize("NFKD", text.lower())
    return re.sub(r"\s+", "", "".join(c for c in text if not unicodedata.combining(c)))
