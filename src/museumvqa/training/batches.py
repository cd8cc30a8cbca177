"""Which examples go into each batch of an epoch; each model family's collator (its `FamilySpec`) turns
them into tensors.

An epoch's plan is a pure function of (seed, epoch): a resumed run rebuilds it and skips to its
position, and every process of a multi-GPU run builds the same plan and takes its own share. A
collator with `lengths` gets batches of one token length (BLIP attends to padding, models/blip.py).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import torch

from museumvqa.models.family import Batch, same_length_batches
from museumvqa.training.examples import QAExample


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
    """Planned batches collated on demand, so a DataLoader's workers can prepare them ahead of the step;
    `augment(batch, position)` (training/augment.py) changes each by its position in the whole plan,
    `start` being the position of `plan[0]` (a resumed run's offset)."""

    def __init__(
        self,
        plan: list[list[int]],
        collate: Callable[[list[int]], Batch],
        augment: Callable[[Batch, int], Batch] | None = None,
        start: int = 0,
    ) -> None:
        self.plan, self.collate, self.augment, self.start = plan, collate, augment, start

    def __len__(self) -> int:
        return len(self.plan)

    def __getitem__(self, index: int) -> Batch:
        batch = self.collate(self.plan[index])
        return self.augment(batch, self.start + index) if self.augment is not None else batch


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
