"""The mean over seeds and its Student t-interval, by hand."""

from __future__ import annotations

import math

import pytest

from museumvqa.evaluation.seeds import describe, over_seeds, t975


def test_t_quantiles() -> None:
    assert t975(2) == pytest.approx(4.303, abs=1e-3)
    assert t975(30) == pytest.approx(2.042, abs=1e-3)
    assert t975(31) == pytest.approx(2.0395, abs=1e-3)  # the expansion takes over from the table
    assert t975(10_000) == pytest.approx(1.960, abs=1e-3)
    with pytest.raises(ValueError):
        t975(0)


def test_three_seeds_by_hand() -> None:
    # 30, 32, 34: mean 32, s = 2, half width = 4.303 * 2 / sqrt(3) = 4.969
    summary = over_seeds([30.0, 32.0, 34.0])
    assert (summary["mean"], summary["sd"], summary["n"]) == (32.0, 2.0, 3)
    half = 4.303 * 2 / math.sqrt(3)
    assert (summary["low"], summary["high"]) == pytest.approx((32 - half, 32 + half))
    assert describe(summary) == "32.00 [27.03, 36.97] (n = 3 seeds)"


def test_a_tie_of_one_seed_says_nothing() -> None:
    summary = over_seeds([33.82])
    assert summary["low"] is None and summary["high"] is None
    assert describe(summary) == "33.82 (n = 1 seed, no interval)"
    assert describe(over_seeds([0.0, 0.0]), signed=True) == "+0.00 [0.00, 0.00] (n = 2 seeds)"
