"""The settings of one training run, read from YAML plus `--set key=value` (museumvqa.config).

The defaults train the demo's tiny BLIP from scratch on a CPU in minutes; `configs/` holds a tiny
LLaVA and a real-site LLaVA-1.5-7B LoRA example. Every setting is checked here, before a model is
built, so a typo costs a second rather than a queued GPU job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from museumvqa.errors import UserError
from museumvqa.models.registry import Family, families

Precision = Literal["no", "bf16", "fp16"]

FREEZABLE = ("vision", "projector", "language")  # the part names a family's spec may offer to freeze


@dataclass
class LoraSettings:
    """The `lora:` section of a training config; disabled by default (full fine-tuning)."""

    enabled: bool = False
    r: int = 8
    alpha: int = 16
    dropout: float = 0.0
    target_modules: list[str] | None = None  # module-name suffixes inside the family's scope; None: defaults
    qlora: bool = False  # base layers in 4-bit NF4 (bitsandbytes, CUDA)

    def __post_init__(self) -> None:
        if self.r < 1 or self.alpha <= 0:
            raise UserError(f"lora: r must be at least 1 and alpha above 0, got r={self.r}, alpha={self.alpha}")
        if not 0 <= self.dropout < 1:
            raise UserError(f"lora: dropout must be in [0, 1), got {self.dropout}")
        if self.target_modules is not None and not self.target_modules:
            raise UserError("lora: target_modules is empty (leave it null for the family's defaults)")
        if self.qlora and not self.enabled:
            raise UserError("lora: qlora needs enabled: true")


@dataclass
class TinyModel:
    """Sizes of a model built from scratch (`base_model: null`); ignored when a base model is given."""

    image_size: int = 64
    hidden: int = 128
    layers: int = 2
    heads: int = 4
    # bert: BERT's 30,522 WordPiece tokens | data: those the training questions and answers use, plus every
    # single character (models/wordpiece.py `data_vocab`): ~10x smaller text layers, CPU steps twice as fast
    vocabulary: Literal["bert", "data"] = "bert"

    def __post_init__(self) -> None:
        if self.vocabulary not in ("bert", "data"):
            raise UserError(f"training config: tiny.vocabulary must be bert or data, got {self.vocabulary!r}")
        for name in ("image_size", "hidden", "layers", "heads"):
            if getattr(self, name) < 1:
                raise UserError(f"training config: tiny.{name} must be at least 1, got {getattr(self, name)}")
        if self.hidden % self.heads:
            raise UserError(f"training config: tiny.hidden ({self.hidden}) must be a multiple of heads ({self.heads})")


@dataclass
class TrainConfig:
    """One training run: which model, what it learns from, how it is optimised, evaluated and saved."""

    family: Family = "blip"
    base_model: str | None = None  # a model folder or hub id; None: a tiny model from scratch (`tiny`)
    tiny: TinyModel = field(default_factory=TinyModel)
    freeze: list[str] = field(default_factory=list)  # any of vision, projector, language
    lora: LoraSettings = field(default_factory=LoraSettings)
    # data
    strategy: Literal["all", "one"] = "all"  # every question of an image per epoch, or one random one
    augment: bool = False  # a random crop and mirror image of each training photograph (training/augment.py)
    augment_min_scale: float = 0.6  # the smallest share of the picture's area a crop keeps
    max_question_tokens: int = 64
    max_answer_tokens: int = 16
    num_workers: int = 0  # DataLoader processes collating batches (0: in the training process)
    # optimisation
    epochs: int = 20
    max_steps: int | None = None  # optimizer steps; stops before the last epoch ends
    batch_size: int = 32  # per process
    grad_accum: int = 1
    learning_rate: float = 1e-3
    weight_decay: float = 0.01
    warmup_ratio: float = 0.05  # share of the steps with a linear warm-up, then cosine decay to 0
    max_grad_norm: float | None = 1.0
    precision: Precision = "no"
    gradient_checkpointing: bool = False
    compile: bool = False  # regional torch.compile of each repeated layer (1.58x LLaVA-7B LoRA on a GPU)
    seed: int = 0
    # evaluation and checkpoints, in optimizer steps; 0 = never (a final evaluation runs with a validation table)
    eval_every: int = 0
    eval_limit: int | None = 500  # validation questions asked at each evaluation; None = all
    checkpoint_every: int = 0
    keep_last: int = 2

    def __post_init__(self) -> None:
        known = families()  # the registered model families; finding them imports no torch
        if self.family not in known:
            expected = ", ".join(repr(name) for name in known)
            raise UserError(f"training config: family: expected one of {expected}, got {self.family!r}")
        positive = ("epochs", "batch_size", "grad_accum", "max_question_tokens", "keep_last")
        for name in positive:
            if getattr(self, name) < 1:
                raise UserError(f"training config: {name} must be at least 1, got {getattr(self, name)}")
        for name in ("eval_every", "checkpoint_every", "num_workers"):
            if getattr(self, name) < 0:
                raise UserError(f"training config: {name} must be 0 or more, got {getattr(self, name)}")
        if not 0 < self.augment_min_scale <= 1:
            raise UserError(f"training config: augment_min_scale must be in (0, 1], got {self.augment_min_scale}")
        if self.max_answer_tokens < 3:
            raise UserError("training config: max_answer_tokens must be at least 3 (start, a token, end)")
        if self.learning_rate <= 0 or self.weight_decay < 0 or not 0 <= self.warmup_ratio < 1:
            raise UserError("training config: learning_rate > 0, weight_decay >= 0 and 0 <= warmup_ratio < 1 needed")
        if self.max_steps is not None and self.max_steps < 1:
            raise UserError(f"training config: max_steps must be at least 1 or null, got {self.max_steps}")
        if self.eval_limit is not None and self.eval_limit < 1:
            raise UserError(f"training config: eval_limit must be at least 1 or null, got {self.eval_limit}")
        unknown = [part for part in self.freeze if part not in FREEZABLE]
        if unknown:
            raise UserError(f"training config: cannot freeze {unknown[0]!r} (choose from {', '.join(FREEZABLE)})")
        spec = known[self.family]
        missing = [part for part in self.freeze if part not in spec.parts]
        if missing:
            raise UserError(
                f"training config: {spec.label} has no {missing[0]} to freeze (freeze {' or '.join(spec.parts)})"
            )
        if self.lora.enabled and self.freeze:
            raise UserError("training config: freeze and lora exclude each other (LoRA already freezes the base)")
