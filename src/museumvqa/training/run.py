"""`museumvqa train`: one resumable training run from QA tables and shards to a saved model folder.

The run: read the examples and their images, build the model (tiny from scratch or a base model;
frozen parts or LoRA), check the first batches (preflight.py), then optimise with the shared loop
(loop.py), evaluating on the validation table every `eval_every` steps and checkpointing every
`checkpoint_every` steps. An `out_dir` that holds checkpoints is resumed from the newest one and
ends with the same weights the uninterrupted run would have. The finished folder (model, processor,
`training_summary.json`; with LoRA also `adapter/`) replaces `out_dir` in one rename.

Under `accelerate launch` / torchrun every process runs this same function: each takes its share
of every epoch's batches, process 0 evaluates and writes.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from accelerate import Accelerator
from accelerate.utils import DistributedType, broadcast_object_list, set_seed
from PIL import Image
from tqdm import tqdm

from museumvqa.errors import UserError
from museumvqa.io import atomic_dir, write_json
from museumvqa.models.family import Collator
from museumvqa.models.registry import family
from museumvqa.training.augment import Augmentation
from museumvqa.training.batches import EpochPlans, PlanDataset, epoch_plan, rank_share
from museumvqa.training.checkpoint import (
    CHECKPOINTS,
    Resume,
    latest_checkpoint,
    load_checkpoint,
    restore_rng,
    save_checkpoint,
)
from museumvqa.training.config import TrainConfig
from museumvqa.training.examples import QAExample, check_images, read_split
from museumvqa.training.loop import LoopSettings, StepContext, fit, make_accelerator, steps_for
from museumvqa.training.model_setup import build_model, unwrap_lora
from museumvqa.training.preflight import PreflightReport, preflight
from museumvqa.training.validation import Validation, training_majority, validate

SUMMARY_NAME = "training_summary.json"
ADAPTER_DIR = "adapter"
FROM_SCRATCH_NOTE = "trained from scratch on CPU from a random initialisation; no pretrained weights were used"
# Settings a resumed run may change: they do not alter which steps are taken or how.
RESUMABLE_CHANGES = ("eval_every", "eval_limit", "checkpoint_every", "keep_last", "num_workers")


@dataclass
class TrainResult:
    steps: int
    final_loss: float  # mean loss of the last epoch
    epoch_losses: list[float]
    eval_history: list[dict[str, Any]]  # {"step": n, metric: percentage, ...} per evaluation
    seconds: float
    out_dir: Path
    resumed_from: int | None = None  # the checkpoint step this call continued from
    preflight: dict[str, Any] = field(default_factory=dict)
    collapse: dict[str, Any] | None = None  # the last validation's collapse check (training/collapse.py)


def train(
    config: TrainConfig,
    train_table: str | Path,
    shards_dir: str | Path,
    out_dir: str | Path,
    *,
    val_table: str | Path | None = None,
    progress: bool = True,
) -> TrainResult:
    """Train on a QA table whose `image_key`s are in the shards; evaluate on `val_table` if given."""
    examples, images = read_split(train_table, shards_dir)
    validation = read_split(val_table, shards_dir, config.eval_limit) if val_table is not None else None
    return train_examples(config, examples, images, out_dir, validation=validation, progress=progress)


def train_examples(
    config: TrainConfig,
    examples: list[QAExample],
    images: Mapping[str, Image.Image],
    out_dir: str | Path,
    *,
    validation: tuple[list[QAExample], Mapping[str, Image.Image]] | None = None,
    progress: bool = True,
) -> TrainResult:
    """`train` on examples already in memory (e.g. a data set that is not a run's QA table)."""
    started = time.monotonic()
    out = Path(out_dir)
    check_images(examples, images)
    accelerator = make_accelerator(config.precision)
    _check_distribution(accelerator, config, validation is not None)
    set_seed(config.seed)
    model, processor = build_model(config, [text for e in examples for text in (e.question, *e.answers)])
    spec = family(config.family)
    collate = spec.collator(model, processor, examples, images, config.max_question_tokens, config.max_answer_tokens)
    if config.base_model is None:  # from scratch: start from what the answers say (models/blip.py explains why)
        spec.start_from_answers(unwrap_lora(model), collate)
    rank, world = accelerator.process_index, accelerator.num_processes
    plans = EpochPlans(
        [
            rank_share(
                epoch_plan(examples, config.strategy, config.batch_size, config.seed, e, collate.lengths), rank, world
            )
            for e in range(config.epochs)
        ]
    )
    checked = preflight(collate, examples, plans.plans[0], **spec.preflight_limits(unwrap_lora(model).config))
    total = steps_for(plans.batches, config.grad_accum, config.max_steps)
    if total < 1:
        raise UserError(f"{len(examples)} examples make no batch for each of {world} processes")

    resume = _resume(out, model, config, accelerator)
    so_far: dict[str, Any] = resume.progress if resume else {"losses": [], "eval_history": []}
    losses: list[list[float]] = so_far["losses"]  # [epoch, loss] per step
    history: list[dict[str, Any]] = so_far["eval_history"]
    offset = plans.offset(so_far["position"]["epoch"], so_far["position"]["batch"]) if resume else 0

    model_ref = [model]  # the prepared model once fit has wrapped it
    majority = training_majority(examples)
    last: list[Validation] = []  # this call's latest validation

    def evaluate(step: int) -> None:
        """Process 0 answers the validation questions; every process gets the scores (one history everywhere)."""
        if validation is None:
            return
        found: list[Validation | None] = [None]
        if accelerator.is_main_process:
            module = unwrap_lora(accelerator.unwrap_model(model_ref[0]))
            found[0] = validate(module, processor, config.family, *validation, config.batch_size, majority)
        if accelerator.num_processes > 1:
            broadcast_object_list(found, from_process=0)
        assert found[0] is not None
        history.append(found[0].history_entry(step))
        last[:] = [found[0]]

    bar = tqdm(
        total=total,
        initial=resume.loop.step if resume else 0,
        unit="step",
        desc=f"train {config.family}",
        disable=not (progress and accelerator.is_main_process),
    )

    def on_step(step: int, loss: float, context: StepContext) -> None:
        model_ref[0] = context.model
        done = offset + context.batches_read
        epoch, batch = plans.position(done)
        losses.append([plans.epoch_of(done), loss])
        bar.update(1)
        bar.set_postfix(loss=f"{loss:.3f}")
        if config.eval_every and step % config.eval_every == 0:
            evaluate(step)
        if config.checkpoint_every and step % config.checkpoint_every == 0:
            state = {
                "position": {"epoch": epoch, "batch": batch, "plan_seed": config.seed},
                "losses": losses,
                "eval_history": history,
                "config": dataclasses.asdict(config),
            }
            save_checkpoint(out, accelerator, context.model, context.state(step), state, config.keep_last)

    settings = LoopSettings(
        total_steps=total,
        learning_rate=config.learning_rate,
        weight_decay=config.weight_decay,
        warmup_steps=round(config.warmup_ratio * total),
        grad_accum=config.grad_accum,
        precision=config.precision,
        max_grad_norm=config.max_grad_norm,
    )
    batches = _stream(plans.flat(), collate, config, offset)
    fitted = fit(
        model, batches, settings, accelerator=accelerator, state=resume.loop if resume else None, on_step=on_step
    )
    bar.close()
    model_ref[0] = fitted.model
    if validation is not None and (not history or history[-1]["step"] != fitted.steps):
        evaluate(fitted.steps)

    collapse = last[0].collapse if last else None
    if collapse is not None and collapse.collapsed and accelerator.is_main_process:
        tqdm.write(
            f"WARNING: {collapse.message()} (validation at step {fitted.steps}; see collapse in {SUMMARY_NAME})",
            file=sys.stderr,
        )
    epoch_losses = _epoch_means(losses)
    result = TrainResult(
        steps=fitted.steps,
        final_loss=epoch_losses[-1] if epoch_losses else float("nan"),
        epoch_losses=epoch_losses,
        eval_history=history,
        seconds=time.monotonic() - started,
        out_dir=out,
        resumed_from=resume.loop.step if resume else None,
        preflight=dataclasses.asdict(checked),
        collapse=collapse.to_dict() if collapse is not None else None,
    )
    _save(accelerator, model_ref[0], processor, config, result, examples, images, checked)
    return result


def _check_distribution(accelerator: Accelerator, config: TrainConfig, validating: bool) -> None:
    """What this run does on one process (validation, LoRA merge) needs the model whole on that process."""
    kind = accelerator.distributed_type
    if kind in (DistributedType.FSDP, DistributedType.DEEPSPEED) and (validating or config.lora.enabled):
        raise UserError(f"{kind.value}: validation during training and LoRA need an unsharded model (use DDP)")
    if kind == DistributedType.DEEPSPEED and config.grad_accum != 1:
        raise UserError(
            "DeepSpeed accumulates gradients itself: set grad_accum: 1 (see configs/accelerate/deepspeed.yaml)"
        )


def _resume(out: Path, model: torch.nn.Module, config: TrainConfig, accelerator: Accelerator) -> Resume | None:
    """The newest checkpoint in `out`, loaded into `model` with the RNGs restored; None for a fresh run."""
    path = latest_checkpoint(out)
    if path is None:
        return None
    resume = load_checkpoint(path, model, accelerator.process_index)
    before = {k: v for k, v in resume.progress["config"].items() if k not in RESUMABLE_CHANGES}
    now = {k: v for k, v in dataclasses.asdict(config).items() if k not in RESUMABLE_CHANGES}
    changed = sorted(k for k in now if before.get(k) != now[k])
    if changed:
        raise UserError(
            f"{path}: checkpoint of a run with other settings ({', '.join(changed)});"
            f" use another output folder or delete {out / CHECKPOINTS}"
        )
    restore_rng(path, accelerator.process_index)
    return resume


def _stream(plan: list[list[int]], collate: Collator, config: TrainConfig, start: int) -> Iterator[Any]:
    """The planned batches from position `start`, collated (ahead of time by `num_workers` processes when > 0)
    and, with `augment`, with their photographs cropped and mirrored."""
    augment = Augmentation(config.seed, config.augment_min_scale) if config.augment else None
    loader = torch.utils.data.DataLoader(
        PlanDataset(plan[start:], collate, augment, start),
        batch_size=None,
        num_workers=config.num_workers,
        generator=torch.Generator().manual_seed(config.seed),  # the global RNG stays the training run's
    )
    return iter(loader)


def _epoch_means(losses: list[list[float]]) -> list[float]:
    by_epoch: dict[int, list[float]] = {}
    for epoch, loss in losses:
        by_epoch.setdefault(int(epoch), []).append(loss)
    return [sum(v) / len(v) for _, v in sorted(by_epoch.items())]


def _save(
    accelerator: Accelerator,
    model: torch.nn.Module,
    processor: Any,
    config: TrainConfig,
    result: TrainResult,
    examples: list[QAExample],
    images: Mapping[str, Image.Image],
    checked: PreflightReport,
) -> None:
    """Model (LoRA merged in), processor, summary (and the adapter) into a folder that replaces `out_dir`."""
    state = accelerator.get_state_dict(model)  # a collective under FSDP/DeepSpeed
    if not accelerator.is_main_process:
        accelerator.wait_for_everyone()
        return
    module = accelerator.unwrap_model(model)
    out = result.out_dir
    with atomic_dir(out) as tmp:
        if config.lora.enabled:  # the adapter, then the model with it merged in (unsharded processes only)
            module.save_pretrained(tmp / ADAPTER_DIR)
            processor.save_pretrained(tmp / ADAPTER_DIR)
            module.merge_and_unload().save_pretrained(tmp)
        else:
            module.save_pretrained(tmp, state_dict=state)
        processor.save_pretrained(tmp)
        pretrained = config.base_model is not None
        summary = {
            "pretrained_weights": pretrained,
            "note": f"fine-tuned from {config.base_model}" if pretrained else FROM_SCRATCH_NOTE,
            "family": config.family,
            "config": dataclasses.asdict(config),
            "examples": len(examples),
            "images": len(images),
            "processes": accelerator.num_processes,
            "steps": result.steps,
            "epoch_losses": result.epoch_losses,
            "final_loss": result.final_loss,
            "eval_history": result.eval_history,
            "collapse": result.collapse,
            "preflight": dataclasses.asdict(checked),
            "resumed_from": result.resumed_from,
            "seconds": round(result.seconds, 1),
        }
        write_json(summary, tmp / SUMMARY_NAME)
        if (out / CHECKPOINTS).is_dir():
            (out / CHECKPOINTS).rename(tmp / CHECKPOINTS)  # the run's checkpoints stay with its model
    accelerator.wait_for_everyone()
