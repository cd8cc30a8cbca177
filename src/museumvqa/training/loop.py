"""The optimisation loop that every training path uses, on one CPU, one GPU or many processes.

`fit` owns only what is the same for every model: AdamW over the trainable parameters (fused on
CUDA), cosine schedule with warm-up, gradient accumulation, autocast and gradient clipping through
accelerate. What a batch is, when to evaluate and when to checkpoint belong to the caller: batches
are dicts of tensors that `model(**batch)` turns into an output with `.loss`, and `on_step` is called
after every optimizer step. Under `accelerate launch` / torchrun the same code runs DDP, FSDP or
DeepSpeed, as the accelerate config says; each process passes its own share of the batches.

The scheduler is stepped here once per optimizer step rather than handed to `accelerator.prepare`,
which would step it once per process: `total_steps` counts the optimizer steps each process takes.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import torch
from accelerate import Accelerator
from accelerate.state import AcceleratorState
from transformers import get_cosine_schedule_with_warmup

from museumvqa.errors import UserError
from museumvqa.training.config import Precision


@dataclass
class LoopSettings:
    """How to optimise; `total_steps` counts optimizer steps (each `grad_accum` batches)."""

    total_steps: int
    learning_rate: float = 1e-3
    weight_decay: float = 0.01
    warmup_steps: int = 0
    grad_accum: int = 1
    precision: Precision = "no"
    max_grad_norm: float | None = 1.0

    def __post_init__(self) -> None:
        if self.total_steps < 1 or self.grad_accum < 1 or self.warmup_steps < 0:
            raise UserError("loop settings: total_steps >= 1, grad_accum >= 1 and warmup_steps >= 0 needed")
        if self.learning_rate <= 0 or self.weight_decay < 0:
            raise UserError("loop settings: learning_rate > 0 and weight_decay >= 0 needed")


@dataclass
class LoopState:
    """Where an interrupted run stood: loaded into fit's optimizer and scheduler before its first step."""

    step: int
    optimizer: dict[str, Any]
    scheduler: dict[str, Any]


@dataclass
class StepContext:
    """What `on_step` may look at: the prepared objects, and how far this call of `fit` has read."""

    accelerator: Accelerator
    model: torch.nn.Module  # as prepared (wrapped under DDP/FSDP); `accelerator.unwrap_model` for the module
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    batches_read: int  # batches consumed by this call of fit, over all steps so far
    samples: int  # samples in this step on this process
    seconds: float  # wall time of this step, from reading its batches to the optimizer step

    def state(self, step: int) -> LoopState:
        return LoopState(step, self.optimizer.state_dict(), self.scheduler.state_dict())


StepCallback = Callable[[int, float, StepContext], None]


@dataclass
class FitResult:
    """The optimizer steps reached (counting those before a resume) and the losses of this call's steps."""

    steps: int
    losses: list[float] = field(default_factory=list)  # mean over the step's batches and all processes
    samples: int = 0  # on this process
    seconds: float = 0.0
    model: torch.nn.Module | None = None  # as prepared: `accelerator.get_state_dict(model)` saves it, sharded or not


def make_accelerator(precision: Precision = "no") -> Accelerator:
    """The accelerator of one run in this process.

    accelerate keeps one process-wide state whose precision is fixed by the first Accelerator; a later
    run with another precision (a notebook training twice, say) resets that state, keeping the process
    group, rather than failing.
    """
    if precision == "fp16" and not torch.cuda.is_available():
        raise UserError("precision fp16 needs a CUDA GPU; use bf16 or no on the CPU")
    state = AcceleratorState._shared_state
    if state and state.get("_mixed_precision", precision) != precision:
        AcceleratorState._reset_state(reset_partial_state=False)
    # cpu=True where there is no GPU: torchrun's processes then form a gloo group (accelerate's MULTI_CPU)
    return Accelerator(mixed_precision=precision, cpu=not torch.cuda.is_available())


def fit(
    model: torch.nn.Module,
    batches: Iterable[dict[str, torch.Tensor]],
    settings: LoopSettings,
    *,
    accelerator: Accelerator | None = None,
    state: LoopState | None = None,
    on_step: StepCallback | None = None,
) -> FitResult:
    """Optimise `model` until `settings.total_steps` optimizer steps or the end of `batches`.

    With `state` the run continues at `state.step` with its optimizer moments and learning rate; the
    caller restores the weights, the RNGs and the data position (see training/checkpoint.py).
    """
    accelerator = accelerator or make_accelerator(settings.precision)
    parameters = [p for p in model.parameters() if p.requires_grad]
    if not parameters:
        raise UserError("nothing to train: every parameter is frozen")
    optimizer = _adamw(model, settings, accelerator.device)
    model, optimizer = accelerator.prepare(model, optimizer)
    scheduler = get_cosine_schedule_with_warmup(optimizer, settings.warmup_steps, settings.total_steps)
    step = 0
    if state is not None:
        optimizer.load_state_dict(state.optimizer)
        scheduler.load_state_dict(state.scheduler)
        step = state.step
    result = FitResult(steps=step, model=model)
    started = time.monotonic()
    model.train()
    stream = iter(batches)
    read = 0
    while step < settings.total_steps:
        step_start = time.monotonic()
        group = list(islice(stream, settings.grad_accum))
        if not group:
            break
        loss, samples = _accumulate(model, group, accelerator)
        if settings.max_grad_norm is not None:
            accelerator.clip_grad_norm_(model.parameters(), settings.max_grad_norm)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        read += len(group)
        result.steps, result.samples = step, result.samples + samples
        result.losses.append(loss)
        if on_step is not None:
            context = StepContext(
                accelerator, model, optimizer, scheduler, read, samples, time.monotonic() - step_start
            )
            on_step(step, loss, context)
    result.seconds = time.monotonic() - started
    return result


def _accumulate(
    model: torch.nn.Module, group: list[dict[str, torch.Tensor]], accelerator: Accelerator
) -> tuple[float, int]:
    """Backward of each batch's loss / len(group); gradients sync across processes on the last one only."""
    total = torch.zeros((), device=accelerator.device)
    samples = 0
    for index, batch in enumerate(group):
        batch = {k: v.to(accelerator.device, non_blocking=True) for k, v in batch.items()}
        samples += len(next(iter(batch.values())))
        last = index == len(group) - 1
        with _maybe_no_sync(accelerator, model, last), accelerator.autocast():
            loss = model(**batch).loss
            accelerator.backward(loss / len(group))
        total += loss.detach()
    mean = float(accelerator.reduce(total / len(group), reduction="mean"))  # the step's one host sync
    if not math.isfinite(mean):
        raise UserError(f"loss became {mean} (lower the learning rate, or use bf16 rather than fp16)")
    return mean, samples


def _maybe_no_sync(accelerator: Accelerator, model: torch.nn.Module, last: bool) -> Any:
    return contextlib.nullcontext() if last else accelerator.no_sync(model)


def _adamw(model: torch.nn.Module, settings: LoopSettings, device: torch.device) -> torch.optim.AdamW:
    """AdamW with no weight decay on biases and norms (1-d tensors); fused kernels on CUDA."""
    decay = [p for p in model.parameters() if p.requires_grad and p.ndim >= 2]
    no_decay = [p for p in model.parameters() if p.requires_grad and p.ndim < 2]
    groups = [
        {"params": decay, "weight_decay": settings.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(
        [g for g in groups if g["params"]], lr=settings.learning_rate, fused=device.type == "cuda" or None
    )


def steps_for(batches: int, grad_accum: int, max_steps: int | None = None) -> int:
    """Optimizer steps that `batches` batches make, capped by `max_steps`."""
    steps = math.ceil(batches / grad_accum)
    return min(steps, max_steps) if max_steps is not None else steps
