"""Which images of an exhibit a question is asked on: the main view, then real additional views, then
generated ones (crops, rotations, ... flagged `generated` in the image index when it has that column)."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

MAIN, REAL, GENERATED = "main", "real", "generated"


def exhibit_views(index_path: str | Path) -> dict[str, list[tuple[str, str]]]:
    """exhibit id -> [(image key, main|real|generated)], main first; exhibits without a primary image
    are left out (a question needs a main view to be asked on)."""
    names = pq.read_schema(index_path).names
    index = pq.read_table(index_path, columns=[c for c in ("key", "exhibit_id", "role", "generated") if c in names])
    generated = index["generated"].to_pylist() if "generated" in names else [False] * index.num_rows
    per_exhibit: dict[str, list[tuple[int, str, str]]] = {}
    for key, exhibit_id, role, gen in zip(
        index["key"].to_pylist(), index["exhibit_id"].to_pylist(), index["role"].to_pylist(), generated
    ):
        label = GENERATED if gen else MAIN if role == "primary" else REAL
        rank = {MAIN: 0, REAL: 1, GENERATED: 2}[label]
        per_exhibit.setdefault(exhibit_id, []).append((rank, key, label))
    views: dict[str, list[tuple[str, str]]] = {}
    for exhibit_id, items in per_exhibit.items():
        items.sort()
        if items[0][2] != MAIN:
            continue
        # one main view: further primary images (rare) count as real views
        views[exhibit_id] = [
            (key, MAIN if i == 0 else (REAL if label == MAIN else label)) for i, (_, key, label) in enumerate(items)
        ]
    return views
