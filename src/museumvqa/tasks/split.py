"""Train/val/test splits: by exhibit (no test exhibit is ever seen in training), or by museum (a whole
collection is held out, to measure how a model does on a museum it has never seen)."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from museumvqa.errors import UserError


def split_exhibits(
    exhibit_ids: Sequence[str], seed: int = 0, val_fraction: float = 0.1, test_fraction: float = 0.2
) -> dict[str, str]:
    """Map each exhibit id to train/val/test; depends only on the id set and the seed, not input order."""
    if not 0 <= val_fraction < 1 or not 0 < test_fraction < 1 or val_fraction + test_fraction >= 1:
        raise UserError(
            f"--val-fraction {val_fraction:g} --test-fraction {test_fraction:g}: need 0 <= val, 0 < test "
            "and val + test < 1"
        )
    ids = sorted(set(exhibit_ids))
    random.Random(seed).shuffle(ids)
    n_test = max(1, round(len(ids) * test_fraction)) if ids else 0
    n_val = round(len(ids) * val_fraction)
    return {
        exhibit_id: "test" if i < n_test else "val" if i < n_test + n_val else "train"
        for i, exhibit_id in enumerate(ids)
    }


def split_museums(
    museum_of: Mapping[str, str], test_museums: Sequence[str], seed: int = 0, val_fraction: float = 0.1
) -> dict[str, str]:
    """Every exhibit of `test_museums` is test; the other museums' exhibits are split train/val by seed."""
    held_out = set(test_museums)
    known = set(museum_of.values())
    if not held_out:
        raise UserError("museum split: name at least one test museum")
    unknown = sorted(held_out - known)
    if unknown:
        raise UserError(
            f"museum split: no exhibits of museum {unknown[0]!r}; museums present: {', '.join(sorted(known))}"
        )
    if known <= held_out:
        raise UserError("museum split: every museum is held out, nothing is left to train on")
    if not 0 <= val_fraction < 1:
        raise UserError(f"--val-fraction {val_fraction:g}: need 0 <= val_fraction < 1")
    rest = sorted(e for e, m in museum_of.items() if m not in held_out)
    random.Random(seed).shuffle(rest)
    n_val = round(len(rest) * val_fraction)
    splits = {e: "test" for e, m in museum_of.items() if m in held_out}
    splits.update({e: "val" if i < n_val else "train" for i, e in enumerate(rest)})
    return splits
