"""Train/val/test splits: by exhibit (no test exhibit is ever seen in training), or by museum (a whole
collection is held out, to measure how a model does on a museum it has never seen).

A split is an int8 code per exhibit, over the exhibits sorted by id (SPLITS names the codes): a million
exhibits take a megabyte, not a dict of strings. The seeded shuffle is Python's, of positions instead of
ids, so the codes are those of shuffling the sorted ids.
"""

from __future__ import annotations

import random
from array import array
from collections.abc import Sequence

import numpy as np

from museumvqa.errors import UserError

SPLITS = ("train", "val", "test")
TRAIN, VAL, TEST = range(3)


def _shuffled(count: int, seed: int) -> np.ndarray:
    """0..count-1 in the order `random.Random(seed).shuffle` leaves a list of `count` items (8 bytes each)."""
    order = array("q", range(count))
    random.Random(seed).shuffle(order)
    return np.frombuffer(order, dtype=np.int64)


def split_exhibits(count: int, seed: int = 0, val_fraction: float = 0.1, test_fraction: float = 0.2) -> np.ndarray:
    """The split code of each of `count` exhibits sorted by id; depends only on the id set and the seed."""
    if not 0 <= val_fraction < 1 or not 0 < test_fraction < 1 or val_fraction + test_fraction >= 1:
        raise UserError(
            f"--val-fraction {val_fraction:g} --test-fraction {test_fraction:g}: need 0 <= val, 0 < test "
            "and val + test < 1"
        )
    order = _shuffled(count, seed)
    n_test = max(1, round(count * test_fraction)) if count else 0
    n_val = round(count * val_fraction)
    codes = np.full(count, TRAIN, np.int8)
    codes[order[:n_test]] = TEST
    codes[order[n_test : n_test + n_val]] = VAL
    return codes


def split_museums(
    museum: np.ndarray,
    names: Sequence[str | None],
    test_museums: Sequence[str],
    seed: int = 0,
    val_fraction: float = 0.1,
) -> np.ndarray:
    """Every exhibit of `test_museums` is test; the other museums' exhibits are split train/val by seed.
    `museum` is each exhibit's (sorted by id) museum as a code into `names`."""
    held_out = set(test_museums)
    known = {names[c] for c in np.unique(museum)}
    if not held_out:
        raise UserError("museum split: name at least one test museum")
    unknown = sorted(held_out - known)
    if unknown:
        present = ", ".join(sorted(m for m in known if m is not None))
        raise UserError(f"museum split: no exhibits of museum {unknown[0]!r}; museums present: {present}")
    if known <= held_out:
        raise UserError("museum split: every museum is held out, nothing is left to train on")
    if not 0 <= val_fraction < 1:
        raise UserError(f"--val-fraction {val_fraction:g}: need 0 <= val_fraction < 1")
    held = np.isin(museum, [c for c, name in enumerate(names) if name in held_out])
    rest = np.flatnonzero(~held)
    n_val = round(len(rest) * val_fraction)
    codes = np.where(held, TEST, TRAIN).astype(np.int8)
    codes[rest[_shuffled(len(rest), seed)[:n_val]]] = VAL
    return codes
