"""Train BLIP on question/answer pairs about images; save a folder that `load_blip` reads back.

By default the model is a tiny BLIP trained from scratch on a CPU (no weights are downloadable
here); `base_model` fine-tunes a saved folder or a hub model instead. The two strategies of the
paper's ablation: every question of an image in each epoch ("all"), or one random question per
image per epoch ("one").
"""

from __future__ import annotations

import dataclasses
import math
import os
import random
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pyarrow as pa
import torch
from PIL import Image
from tqdm import tqdm
from transformers import BlipForQuestionAnswering, BlipProcessor, get_cosine_schedule_with_warmup

from museumvqa.errors import UserError
from museumvqa.images.reader import load_images
from museumvqa.io import read_parquet_dir, write_json
from museumvqa.models.blip import load_blip, new_tiny_blip, same_length_batches

SUMMARY_NAME = "training_summary.json"
FROM_SCRATCH_NOTE = "trained from scratch on CPU from a random initialisation; no pretrained weights were used"
QA_COLUMNS = ("question_id", "question", "answers", "image_key")  # those of the QA table that training reads


@dataclass
class TrainConfig:
    """Settings of one training run; the defaults train the demo's tiny model in minutes on 2 cores."""

    epochs: int = 20
    batch_size: int = 32
    learning_rate: float = 1e-3
    weight_decay: float = 0.01
    warmup_ratio: float = 0.05
    seed: int = 0
    image_size: int = 64
    max_question_tokens: int = 64
    max_answer_tokens: int = 16
    strategy: Literal["all", "one"] = "all"
    hidden: int = 128
    layers: int = 2
    heads: int = 4
    max_steps: int | None = None
    base_model: str | None = None  # a model folder or hub id to fine-tune; None: a tiny BLIP from scratch

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "image_size", "max_question_tokens", "max_answer_tokens", "hidden"):
            if getattr(self, name) < 1:
                raise UserError(f"training config: {name} must be at least 1, got {getattr(self, name)}")
        if self.max_answer_tokens < 3:
            raise UserError("training config: max_answer_tokens must be at least 3 ([DEC], a token, [SEP])")
        if self.learning_rate <= 0 or self.weight_decay < 0 or not 0 <= self.warmup_ratio < 1:
            raise UserError("training config: learning_rate > 0, weight_decay >= 0 and 0 <= warmup_ratio < 1 needed")
        if self.hidden % self.heads:
            raise UserError(f"training config: hidden ({self.hidden}) must be a multiple of heads ({self.heads})")
        if self.max_steps is not None and self.max_steps < 1:
            raise UserError(f"training config: max_steps must be at least 1 or null, got {self.max_steps}")


@dataclass(frozen=True)
class QAExample:
    image_key: str
    question: str
    answer: str


@dataclass
class TrainResult:
    steps: int
    final_loss: float  # mean loss of the last epoch
    epoch_losses: list[float]
    seconds: float
    out_dir: Path


def train_blip(
    examples: Sequence[QAExample],
    images: Mapping[str, Image.Image],
    config: TrainConfig,
    out_dir: str | Path,
    progress: bool = True,
) -> TrainResult:
    """Train, then save model, processor and `training_summary.json` into `out_dir` in one rename."""
    if not examples:
        raise UserError("no training examples")
    missing = sorted({e.image_key for e in examples} - images.keys())
    if missing:
        raise UserError(f"{len(missing)} training images missing, e.g. {missing[0]!r}")
    started = time.monotonic()
    rng = random.Random(config.seed)
    torch.manual_seed(config.seed)
    model, processor = _initial_model(config)
    questions, answers = _tokenize(model, processor, examples, config)
    pixels = _pixel_cache(processor, images, {e.image_key for e in examples})

    plan = [_epoch_batches(examples, questions, config, rng) for _ in range(config.epochs)]
    total = sum(len(batches) for batches in plan)
    if config.max_steps is not None:
        total = min(total, config.max_steps)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    scheduler = get_cosine_schedule_with_warmup(optimizer, math.ceil(config.warmup_ratio * total), total)

    model.train()
    steps, epoch_losses = 0, []
    with tqdm(total=total, unit="step", desc="train blip", disable=not progress) as bar:
        for batches in plan:
            losses = []
            for batch in batches[: total - steps]:
                loss = _step(model, batch, examples, questions, answers, pixels)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
                losses.append(loss.item())
                steps += 1
                bar.update(1)
                bar.set_postfix(loss=f"{losses[-1]:.3f}")
            if losses:
                epoch_losses.append(sum(losses) / len(losses))
    seconds = time.monotonic() - started
    result = TrainResult(steps, epoch_losses[-1], epoch_losses, seconds, Path(out_dir))
    _save(model, processor, config, result, len(examples), len(pixels))
    return result


def train_from_run(
    train_table: str | Path, shards_dir: str | Path, out_dir: str | Path, config: TrainConfig, progress: bool = True
) -> TrainResult:
    """Train on a QA table (a Parquet file or folder) whose `image_key`s are in the shards."""
    examples = read_examples(train_table)
    images = load_images(shards_dir, {e.image_key for e in examples})
    return train_blip(examples, images, config, out_dir, progress)


def read_examples(train_table: str | Path) -> list[QAExample]:
    """One example per question with an image; its first answer is the target."""
    table: pa.Table = read_parquet_dir(train_table)
    absent = [c for c in QA_COLUMNS if c not in table.column_names]
    if absent:
        raise UserError(f"{train_table}: missing columns {', '.join(absent)}")
    examples = []
    for row in table.select(list(QA_COLUMNS)).to_pylist():
        if not row["answers"]:
            raise UserError(f"{train_table}: question {row['question_id']!r} has no answer")
        if row["image_key"] is not None:
            examples.append(QAExample(row["image_key"], row["question"], row["answers"][0]))
    if not examples:
        raise UserError(f"{train_table}: no question has an image")
    return examples


def _initial_model(config: TrainConfig) -> tuple[BlipForQuestionAnswering, BlipProcessor]:
    if config.base_model is not None:
        return load_blip(config.base_model)
    return new_tiny_blip(config.image_size, config.seed, config.hidden, config.layers, config.heads)


def _tokenize(
    model: BlipForQuestionAnswering, processor: BlipProcessor, examples: Sequence[QAExample], config: TrainConfig
) -> tuple[list[list[int]], list[list[int]]]:
    """Question ids ([CLS] q [SEP]) and decoder ids ([DEC] a [SEP]), both cut to fit the model."""
    tokenizer = processor.tokenizer
    positions = model.config.text_config.max_position_embeddings
    questions = tokenizer(
        [e.question for e in examples], truncation=True, max_length=min(config.max_question_tokens, positions)
    )["input_ids"]
    answers = tokenizer(
        [e.answer for e in examples], truncation=True, max_length=min(config.max_answer_tokens, positions)
    )["input_ids"]
    bos = model.config.text_config.bos_token_id
    return questions, [[bos, *ids[1:]] for ids in answers]


def _pixel_cache(
    processor: BlipProcessor, images: Mapping[str, Image.Image], keys: set[str]
) -> dict[str, torch.Tensor]:
    """Each image resized and normalised once, not once per question and epoch."""
    cache = {}
    for key in sorted(keys):
        cache[key] = processor.image_processor(images[key].convert("RGB"), return_tensors="pt")["pixel_values"][0]
    return cache


def _epoch_batches(
    examples: Sequence[QAExample], questions: list[list[int]], config: TrainConfig, rng: random.Random
) -> list[list[int]]:
    if config.strategy == "all":
        chosen = list(range(len(examples)))
    else:
        by_image: dict[str, list[int]] = {}
        for index, example in enumerate(examples):
            by_image.setdefault(example.image_key, []).append(index)
        chosen = [rng.choice(by_image[key]) for key in sorted(by_image)]
    batches = same_length_batches([len(questions[i]) for i in chosen], config.batch_size, rng)
    return [[chosen[i] for i in batch] for batch in batches]


def _step(
    model: BlipForQuestionAnswering,
    batch: list[int],
    examples: Sequence[QAExample],
    questions: list[list[int]],
    answers: list[list[int]],
    pixels: dict[str, torch.Tensor],
) -> torch.Tensor:
    """Loss of one batch; questions share a length (no padding), answers are padded and masked."""
    pad = model.config.text_config.pad_token_id
    width = max(len(answers[i]) for i in batch)
    decoder_ids = torch.tensor([answers[i] + [pad] * (width - len(answers[i])) for i in batch])
    decoder_mask = (torch.arange(width)[None, :] < torch.tensor([len(answers[i]) for i in batch])[:, None]).long()
    output = model(
        input_ids=torch.tensor([questions[i] for i in batch], device=model.device),
        pixel_values=torch.stack([pixels[examples[i].image_key] for i in batch]).to(model.device),
        decoder_input_ids=decoder_ids.to(model.device),
        decoder_attention_mask=decoder_mask.to(model.device),
        labels=decoder_ids.masked_fill(decoder_mask == 0, -100).to(model.device),
    )
    return output.loss


def _save(
    model: BlipForQuestionAnswering,
    processor: BlipProcessor,
    config: TrainConfig,
    result: TrainResult,
    examples: int,
    images: int,
) -> None:
    """Write everything into a temp folder beside `out_dir`, then swap it in."""
    out = result.out_dir
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    tmp.chmod(0o755)  # mkdtemp's 0700 would make the finished model private to this user
    try:
        model.save_pretrained(tmp)
        processor.save_pretrained(tmp)
        pretrained = config.base_model is not None
        summary = {
            "pretrained_weights": pretrained,
            "note": f"fine-tuned from {config.base_model}" if pretrained else FROM_SCRATCH_NOTE,
            "config": dataclasses.asdict(config),
            "examples": examples,
            "images": images,
            "steps": result.steps,
            "epoch_losses": result.epoch_losses,
            "final_loss": result.final_loss,
            "seconds": round(result.seconds, 1),
        }
        write_json(summary, tmp / SUMMARY_NAME)
        _swap_in(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _swap_in(new: Path, out: Path) -> None:
    """Rename `new` onto `out`; an existing `out` is moved aside first and removed after."""
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
        os.replace(out, old / out.name)
    os.replace(new, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
