"""Resumable checkpoints: `out_dir/checkpoints/step-N/`, each written whole or not at all.

A checkpoint holds what a resumed run needs to take exactly the steps the uninterrupted one would:
  trainable.safetensors   every parameter with requires_grad (the whole model in a full fine-tune;
                          the LoRA adapter plus the projector and other trainable weights with LoRA;
                          frozen weights come back from the base model or the seeded initialisation)
  optimizer-rank<R>.pt    each process's optimizer state (sharded under FSDP/DeepSpeed, equal under DDP)
  scheduler.pt            the learning-rate schedule's position
  rng-rank<R>.json        python, numpy, torch (and CUDA) generator states of each process
  progress.json           step, data position (epoch, batch index in the epoch's plan, plan seed),
                          losses and evaluations so far, and the run's config
Files go into a `.step-N.tmp` folder that is renamed to `step-N` once complete; the oldest complete
checkpoints beyond `keep_last` are removed after that.
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from accelerate import Accelerator
from safetensors.torch import load_file, save_file

from museumvqa.errors import UserError
from museumvqa.io import write_json
from museumvqa.training.loop import LoopState

CHECKPOINTS = "checkpoints"
PROGRESS = "progress.json"
WEIGHTS = "trainable.safetensors"


@dataclass
class Resume:
    """A checkpoint read back: the loop's state and the run's progress (position, losses, config)."""

    path: Path
    loop: LoopState
    progress: dict[str, Any]


def checkpoint_dir(out_dir: Path, step: int) -> Path:
    return out_dir / CHECKPOINTS / f"step-{step}"


def latest_checkpoint(out_dir: str | Path) -> Path | None:
    """The complete checkpoint with the most steps, or None (temp folders of a crash are not complete)."""
    root = Path(out_dir) / CHECKPOINTS
    done = [p for p in root.glob("step-*") if p.is_dir() and (p / PROGRESS).is_file()] if root.is_dir() else []
    return max(done, key=lambda p: int(p.name.removeprefix("step-")), default=None)


def save_checkpoint(
    out_dir: Path,
    accelerator: Accelerator,
    model: torch.nn.Module,
    loop: LoopState,
    progress: dict[str, Any],
    keep_last: int,
) -> Path:
    """Write checkpoint `loop.step`; every process calls this (each saves its optimizer and RNG states)."""
    final = checkpoint_dir(out_dir, loop.step)
    tmp = final.with_name(f".{final.name}.tmp")
    main = accelerator.is_main_process
    if main:
        shutil.rmtree(tmp, ignore_errors=True)  # a crashed attempt at the same step
        tmp.mkdir(parents=True)
    accelerator.wait_for_everyone()
    state = accelerator.get_state_dict(model)  # gathers a sharded model (a collective: every process calls it)
    rank = accelerator.process_index
    torch.save(loop.optimizer, tmp / f"optimizer-rank{rank}.pt")
    write_json(rng_states(), tmp / f"rng-rank{rank}.json")
    if main:
        trainable = trainable_names(accelerator.unwrap_model(model))
        save_file({name: state[name].detach().cpu().contiguous() for name in trainable}, tmp / WEIGHTS)
        torch.save(loop.scheduler, tmp / "scheduler.pt")
        write_json({**progress, "step": loop.step}, tmp / PROGRESS)
    accelerator.wait_for_everyone()
    if main:
        shutil.rmtree(final, ignore_errors=True)
        tmp.rename(final)
        _prune(out_dir / CHECKPOINTS, keep_last)
    accelerator.wait_for_everyone()
    return final


def load_checkpoint(path: Path, model: torch.nn.Module, process_index: int = 0) -> Resume:
    """Load the trainable weights into `model` (before fit prepares it) and read the rest back."""
    weights = load_file(path / WEIGHTS)
    expected = set(trainable_names(model))
    if set(weights) != expected:
        extra = sorted(set(weights) ^ expected)
        raise UserError(f"{path}: its trainable weights do not match this model's (e.g. {extra[0]!r})")
    model.load_state_dict(weights, strict=False)
    optimizer_file = path / f"optimizer-rank{process_index}.pt"
    if not optimizer_file.is_file():
        raise UserError(f"{path}: no optimizer state of process {process_index} (resume with as many processes)")
    progress = json.loads((path / PROGRESS).read_text(encoding="utf-8"))
    loop = LoopState(
        progress["step"],
        torch.load(optimizer_file, weights_only=True),
        torch.load(path / "scheduler.pt", weights_only=True),
    )
    return Resume(path, loop, progress)


def restore_rng(path: Path, process_index: int = 0) -> None:
    """Put every generator back where it was when the checkpoint was written."""
    states = json.loads((path / f"rng-rank{process_index}.json").read_text(encoding="utf-8"))
    version, internal, gauss = states["python"]
    random.setstate((version, tuple(internal), gauss))
    kind, keys, pos, has_gauss, cached = states["numpy"]
    np.random.set_state((kind, np.array(keys, dtype=np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(torch.tensor(states["torch"], dtype=torch.uint8))
    if torch.cuda.is_available() and states["cuda"]:
        torch.cuda.set_rng_state_all([torch.tensor(s, dtype=torch.uint8) for s in states["cuda"]])


def rng_states() -> dict[str, Any]:
    version, internal, gauss = random.getstate()
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    return {
        "python": [version, list(internal), gauss],
        "numpy": [kind, keys.tolist(), pos, has_gauss, cached],
        "torch": torch.get_rng_state().tolist(),
        "cuda": [s.tolist() for s in torch.cuda.get_rng_state_all()] if torch.cuda.is_available() else [],
    }


def trainable_names(model: torch.nn.Module) -> list[str]:
    """Names of the parameters that learn (tied parameters once, under their first name)."""
    return [name for name, p in model.named_parameters() if p.requires_grad]


def _prune(root: Path, keep_last: int) -> None:
    done = sorted(
        (p for p in root.glob("step-*") if (p / PROGRESS).is_file()), key=lambda p: int(p.name.removeprefix("step-"))
    )
    for old in done[:-keep_last]:
        shutil.rmtree(old, ignore_errors=True)
