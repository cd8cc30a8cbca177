"""A figure over training seeds: the mean and a 95% Student t-interval, mean ± t(0.975, n-1) · s / √n.

Seeds are few (3 to 10): a bootstrap over 3 values has only 10 distinct resamples and an interval far
too narrow, while the t-interval widens honestly for small n (t = 4.30 at n = 3). It assumes scores
roughly normal across seeds. With one seed there is no interval (low and high are None).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

METHOD = "mean over seeds with a 95% Student t-interval (mean ± t(0.975, n-1)·s/√n)"

# t(0.975, df) for df = 1..30; beyond, the Cornish-Fisher expansion around the normal quantile.
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip
_Z975 = 1.959964


def t975(df: int) -> float:
    """The 97.5% quantile of Student's t with `df` degrees of freedom."""
    if df < 1:
        raise ValueError("a t quantile needs at least one degree of freedom")
    if df <= len(_T975):
        return _T975[df - 1]
    z = _Z975
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def over_seeds(values: Sequence[float]) -> dict[str, Any]:
    """{"mean", "low", "high", "sd", "n", "values"} of one figure measured once per seed."""
    n = len(values)
    if n == 0:
        raise ValueError("no values to summarise")
    mean = sum(values) / n
    if n == 1:
        return {"mean": mean, "low": None, "high": None, "sd": None, "n": 1, "values": list(values)}
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = t975(n - 1) * sd / math.sqrt(n)
    return {"mean": mean, "low": mean - half, "high": mean + half, "sd": sd, "n": n, "values": list(values)}


def describe(summary: dict[str, Any], digits: int = 2, signed: bool = False) -> str:
    """ "33.82 [31.10, 36.54] (n = 3 seeds)", or "33.82 (n = 1 seed, no interval)"."""
    sign = "+" if signed else ""
    mean = f"{summary['mean']:{sign}.{digits}f}"
    if summary["low"] is None:
        return f"{mean} (n = 1 seed, no interval)"
    return f"{mean} [{summary['low']:.{digits}f}, {summary['high']:.{digits}f}] (n = {summary['n']} seeds)"
