"""Which examples go into each batch of an epoch, and how each model family turns them into tensors.

An epoch's plan is a pure function of (seed, epoch): a resumed run rebuilds it and skips to its
position, and every process of a multi-GPU run builds the same plan and takes its own share.

BLIP batches hold questions of one token length: transformers' BLIP drops the question padding mask
in the answer decoder's cross-attention (see models/blip.py `same_length_batches`). LLaVA batches are
rendered with the processor's chat template and right-padded; only the answer (and its end token)
carries labels.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence

import torch
from PIL import Image
from transformers import BlipForQuestionAnswering, BlipProcessor, LlavaProcessor

from museumvqa.models.blip import same_length_batches
from museumvqa.models.llava import llava_messages
from museumvqa.training.examples import QAExample

IGNORE = -100  # label value the loss skips
# Processed BLIP images kept between epochs, per process: all of a small dataset, a bounded share of a large one.
PIXEL_CACHE_BYTES = 1 << 30

Batch = dict[str, torch.Tensor]


def epoch_plan(
    examples: Sequence[QAExample],
    strategy: str,
    batch_size: int,
    seed: int,
    epoch: int,
    lengths: Sequence[int] | None = None,
) -> list[list[int]]:
    """Batches of example indices for one epoch; with `lengths`, each batch holds one length only.

    "all" takes every question, "one" one random question per image (the paper's two strategies).
    """
    rng = random.Random(f"{seed}:{epoch}")
    if strategy == "all":
        chosen = list(range(len(examples)))
    else:
        by_image: dict[str, list[int]] = {}
        for index, example in enumerate(examples):
            by_image.setdefault(example.image_key, []).append(index)
        chosen = [rng.choice(by_image[key]) for key in sorted(by_image)]
    if lengths is not None:
        batches = same_length_batches([lengths[i] for i in chosen], batch_size, rng)
        return [[chosen[i] for i in batch] for batch in batches]
    rng.shuffle(chosen)
    return [chosen[i : i + batch_size] for i in range(0, len(chosen), batch_size)]


class PlanDataset(torch.utils.data.Dataset):
    """Planned batches collated on demand, so a DataLoader's workers can prepare them ahead of the step."""

    def __init__(self, plan: list[list[int]], collate: Callable[[list[int]], Batch]) -> None:
        self.plan, self.collate = plan, collate

    def __len__(self) -> int:
        return len(self.plan)

    def __getitem__(self, index: int) -> Batch:
        return self.collate(self.plan[index])


class EpochPlans:
    """Every epoch's batches for this process, and where in them a count of batches read lands."""

    def __init__(self, plans: list[list[list[int]]]) -> None:
        self.plans = plans
        self.ends = [sum(len(p) for p in plans[: e + 1]) for e in range(len(plans))]

    @property
    def batches(self) -> int:
        return self.ends[-1] if self.ends else 0

    def flat(self) -> list[list[int]]:
        return [batch for plan in self.plans for batch in plan]

    def offset(self, epoch: int, batch: int) -> int:
        """Batches before (epoch, batch)."""
        return (self.ends[epoch - 1] if epoch else 0) + batch

    def position(self, done: int) -> tuple[int, int]:
        """(epoch, batch index) of the batch after `done` batches; (epochs, 0) once all are done."""
        epoch = next((e for e, end in enumerate(self.ends) if done < end), len(self.ends))
        return epoch, done - self.offset(epoch, 0)

    def epoch_of(self, done: int) -> int:
        """The epoch of the `done`-th batch (counting from 1): the epoch a step that ended there belongs to."""
        return self.position(done - 1)[0]


def rank_share(plan: list[list[int]], rank: int, world_size: int) -> list[list[int]]:
    """This process's batches: every world_size-th, the same count on every process (the rest dropped)."""
    per_rank = len(plan) // world_size
    return plan[rank::world_size][:per_rank]


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


class LlavaBatches:
    """Each example rendered by the chat template as a user turn (image, question) and the answer."""

    lengths = None  # LLaVA masks padding properly: batches need not share a length

    def __init__(
        self, processor: LlavaProcessor, examples: Sequence[QAExample], images: Mapping[str, Image.Image]
    ) -> None:
        self.processor = processor
        self.examples = examples
        self.images = images
        self.image_token = processor.image_token

    def prompt(self, index: int) -> str:
        """The user turn and the assistant's cue, as generation sees it."""
        messages = llava_messages(self.examples[index].question)
        return self.processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)

    def conversation(self, index: int) -> str:
        example = self.examples[index]
        return self.processor.apply_chat_template(llava_messages(example.question, example.answer), tokenize=False)

    def texts(self, index: int) -> tuple[str, list[int]]:
        """The rendered conversation and its token ids (`<image>` not expanded)."""
        text = self.conversation(index)
        return text, self.processor.tokenizer(text)["input_ids"]

    def __call__(self, batch: list[int]) -> Batch:
        encoded = self.processor(
            images=[self.images[self.examples[i].image_key].convert("RGB") for i in batch],
            text=[self.conversation(i) for i in batch],
            padding="longest",
            padding_side="right",
            return_tensors="pt",
        )
        labels = encoded["input_ids"].masked_fill(encoded["attention_mask"] == 0, IGNORE)
        image_id = self.processor.image_token_id
        for row, index in enumerate(batch):
            expanded = int((encoded["input_ids"][row] == image_id).sum())
            prompt = self.prompt(index).replace(self.image_token, self.image_token * expanded)
            prompt_ids = self.processor.tokenizer(prompt)["input_ids"]
            ids = encoded["input_ids"][row].tolist()
            if ids[: len(prompt_ids)] == prompt_ids:
                labels[row, : len(prompt_ids)] = IGNORE
            else:  # the template renders the prompt differently alone: no token is known to be the answer
                labels[row] = IGNORE
        return {**encoded, "labels": labels}
