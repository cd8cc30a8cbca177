"""Near-duplicate leak check: banded candidate search (find_leaks) against the all-pairs comparison it
replaces, on random 64-bit hashes with planted near duplicates. Prints a Markdown table.

Usage: .venv/bin/python benchmarks/tasks/leak_check.py
"""

from __future__ import annotations

import random
import time

from museumvqa.tasks.leaks import find_leaks


def all_pairs(hashes: dict[str, int], split_of: dict[str, str], max_distance: int) -> list[tuple[str, str, int]]:
    others = [(k, v) for k, v in hashes.items() if split_of[k] != "test"]
    leaks = []
    for key in sorted(k for k in hashes if split_of[k] == "test"):
        for other, value in sorted(others):
            distance = (hashes[key] ^ value).bit_count()
            if distance <= max_distance:
                leaks.append((key, other, distance))
    return leaks


def data(n: int, seed: int = 0) -> tuple[dict[str, int], dict[str, str]]:
    rng = random.Random(seed)
    hashes = {f"k{i}": rng.getrandbits(64) for i in range(n)}
    split_of = {k: "test" if i % 5 == 0 else "train" for i, k in enumerate(hashes)}
    for i in range(0, n // 100):  # plant near duplicates of training images in test
        source = f"k{5 * i + 1}"
        flipped = hashes[source]
        for bit in rng.sample(range(64), rng.randint(0, 4)):
            flipped ^= 1 << bit
        hashes[f"k{5 * i}"] = flipped
    return hashes, split_of


def timed(fn, *args) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


if __name__ == "__main__":
    print("| images | banded (s) | all pairs (s) | speed-up | same leaks |")
    print("|---|---|---|---|---|")
    for n in (2_000, 10_000):
        hashes, split_of = data(n)
        banded_s, banded = timed(find_leaks, hashes, split_of, 4)
        naive_s, naive = timed(all_pairs, hashes, split_of, 4)
        print(
            f"| {n} | {banded_s:.3f} | {naive_s:.3f} | {naive_s / banded_s:.0f}x | {banded == naive} ({len(banded)}) |"
        )
    for n in (100_000, 1_000_000):
        hashes, split_of = data(n)
        banded_s, banded = timed(find_leaks, hashes, split_of, 4)
        print(f"| {n} | {banded_s:.3f} | - | - | {len(banded)} leaks |")
