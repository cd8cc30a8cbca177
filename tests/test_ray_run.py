"""Pieces of a stage run as Ray tasks come back in input order, bounded by the workers asked for, and a
piece's UserError reaches the user as itself."""

from __future__ import annotations

import os
import time

import pytest

from museumvqa.errors import UserError
from museumvqa.ray_run import run_on_ray

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def _slow_square(n: int) -> tuple[int, int, float, float]:
    start = time.time()
    time.sleep(0.3 if n % 2 == 0 else 0.05)  # early items finish last: order must not follow finishing
    return n * n, os.getpid(), start, time.time()


def _most_at_once(spans: list[tuple[float, float]]) -> int:
    """The most spans running at one moment (each span's start is such a moment)."""
    return max(sum(start <= moment < end for start, end in spans) for moment, _ in spans)


def _refuse(n: int) -> int:
    if n == 2:
        raise UserError(f"piece {n}: cannot be read")
    return n


def test_results_in_input_order_at_most_workers_at_once(local_ray) -> None:
    results = list(run_on_ray(_slow_square, list(range(6)), workers=1))
    assert [r[0] for r in results] == [n * n for n in range(6)]
    assert _most_at_once([(r[2], r[3]) for r in results]) == 1
    assert all(os.getpid() != r[1] for r in results)  # each ran in a Ray worker, not here


def test_two_workers_never_three_at_once(local_ray) -> None:
    results = list(run_on_ray(_slow_square, list(range(6)), workers=2))
    assert [r[0] for r in results] == [n * n for n in range(6)]
    assert _most_at_once([(r[2], r[3]) for r in results]) <= 2


def test_a_pieces_user_error_is_raised_as_itself(local_ray) -> None:
    with pytest.raises(UserError, match=r"^piece 2: cannot be read$"):
        list(run_on_ray(_refuse, [0, 1, 2, 3], workers=2))
