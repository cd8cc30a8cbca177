"""Exhibit-level train/val/test split: no test exhibit is ever seen in training."""

from __future__ import annotations

import random
from collections.abc import Sequence


def split_exhibits(
    exhibit_ids: Sequence[str], seed: int = 0, val_fraction: float = 0.1, test_fraction: float = 0.2
) -> dict[str, str]:
    """Map each exhibit id to train/val/test; depends only on the id set and the seed, not input order."""
    if not 0 <= val_fraction < 1 or not 0 < test_fraction < 1 or val_fraction + test_fraction >= 1:
        raise ValueError("need 0 <= val_fraction, 0 < test_fraction and val_fraction + test_fraction < 1")
    ids = sorted(set(exhibit_ids))
    random.Random(seed).shuffle(ids)
    n_test = max(1, round(len(ids) * test_fraction)) if ids else 0
    n_val = round(len(ids) * val_fraction)
    return {
        exhibit_id: "test" if i < n_test else "val" if i < n_test + n_val else "train"
        for i, exhibit_id in enumerate(ids)
    }
