"""Training-photo augmentation: each batch position has its own crops and mirror images, the same on
every call (a resumed run sees what an uninterrupted one saw), and the tensors keep their shape."""

from __future__ import annotations

import pytest
import torch

from museumvqa.errors import UserError
from museumvqa.training.augment import Augmentation
from museumvqa.training.batches import PlanDataset
from museumvqa.training.config import TrainConfig


def gradient_batch(n: int = 4, size: int = 32) -> dict[str, torch.Tensor]:
    """Pictures whose value is their column: a mirror image or a crop shows in every row."""
    columns = torch.linspace(-1, 1, size).expand(n, 3, size, size).clone()
    return {"pixel_values": columns, "input_ids": torch.ones(n, 5, dtype=torch.long)}


def test_same_position_same_pictures_other_position_other_pictures() -> None:
    augment, batch = Augmentation(seed=0), gradient_batch()
    first, again, other = augment(batch, 7), augment(batch, 7), augment(batch, 8)
    assert first["pixel_values"].shape == batch["pixel_values"].shape
    assert torch.equal(first["pixel_values"], again["pixel_values"])
    assert not torch.equal(first["pixel_values"], other["pixel_values"])
    assert torch.equal(first["input_ids"], batch["input_ids"])  # only the pictures change
    assert not torch.equal(Augmentation(seed=1)(batch, 7)["pixel_values"], first["pixel_values"])


def test_crops_zoom_in_and_half_the_pictures_are_mirrored() -> None:
    augment, batch = Augmentation(seed=0, min_scale=0.5), gradient_batch(n=64)
    out = augment(batch, 0)["pixel_values"]
    left, right = out[:, 0, 16, 0], out[:, 0, 16, -1]
    mirrored = int((left > right).sum())
    assert 16 <= mirrored <= 48  # about half
    spans = (left - right).abs()
    assert float(spans.min()) < 2.0 - 0.05  # every crop keeps less than the full width of some pictures
    assert float(out.abs().max()) <= 1.0 + 1e-6  # interpolation inside the original range


def test_plan_dataset_augments_by_position_in_the_whole_plan() -> None:
    plan = [[0, 1], [2, 3], [4, 5]]
    collate = lambda ids: gradient_batch(n=len(ids))  # noqa: E731
    whole = PlanDataset(plan, collate, Augmentation(seed=3))
    resumed = PlanDataset(plan[1:], collate, Augmentation(seed=3), start=1)
    assert torch.equal(whole[2]["pixel_values"], resumed[1]["pixel_values"])
    assert not torch.equal(whole[1]["pixel_values"], resumed[1]["pixel_values"])
    assert torch.equal(PlanDataset(plan, collate)[0]["pixel_values"], gradient_batch(n=2)["pixel_values"])


def test_min_scale_out_of_range_is_refused() -> None:
    with pytest.raises(UserError, match="augment_min_scale"):
        TrainConfig(augment=True, augment_min_scale=0.0)
