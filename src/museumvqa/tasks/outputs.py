"""What `benchmarks` writes: leaks, split, train/val (and the QA pairs without an image), one table per
task set, and the facts the manifest records about each set."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from museumvqa.io import write_parquet
from museumvqa.tasks.leaks import Leaks
from museumvqa.tasks.registry import Row


def content_hash(rows: Sequence[Row]) -> str:
    """A task version: changes when any asked question, gold answer or image changes, not with row order."""
    digest = hashlib.sha256()
    fields = ("question_id", "question", "answers", "image_key", "view")
    for item in sorted(repr([row[f] for f in fields]) for row in rows):
        digest.update(item.encode())
    return digest.hexdigest()[:16]


def write_leaks(leaks: Leaks, out: Path) -> None:
    """leaks.parquet: one row per near-duplicate pair, with both exhibits, the other image's split and the
    keypoint matches that tie them (tasks/leaks.py: more is surer)."""
    pairs, key_exhibit = leaks.pairs, leaks.key_exhibit
    table = pa.table(
        {
            "test_key": [t for t, _, _ in pairs],
            "test_exhibit": [key_exhibit[t] for t, _, _ in pairs],
            "other_key": [o for _, o, _ in pairs],
            "other_exhibit": [key_exhibit[o] for _, o, _ in pairs],
            "other_split": [leaks.key_split[o] for _, o, _ in pairs],
            "matches": pa.array([m for _, _, m in pairs], pa.int32()),
        }
    )
    write_parquet(table, out / "leaks.parquet")


def write_split(split_of: dict[str, str], facts: dict[str, dict[str, str]], leaked: set[str], out: Path) -> None:
    """split.parquet: each exhibit with an image, its split and museum, and whether it was removed as a leak."""
    rows = [
        {"exhibit_id": e, "split": split_of[e], "museum": facts[e]["museum"], "removed_as_leak": e in leaked}
        for e in sorted(split_of)
    ]
    write_parquet(pa.Table.from_pylist(rows), out / "split.parquet")


def write_training_splits(
    rows: list[Row], schema: pa.Schema, leaked: set[str], out: Path, languages: Sequence[str] | None = None
) -> dict[str, int]:
    """no_image, train and val parquets (in `languages` only, when given); returns their counts, the
    train/val pairs of other languages left out, and the test rows removed as leaks."""
    no_image = [{**r, "split": None} for r in rows if r["image_key"] is None]
    write_parquet(pa.Table.from_pylist(no_image, schema), out / "no_image.parquet")
    counts = {"no_image": len(no_image)}
    kept = set(languages) if languages else None
    for name in ("train", "val"):
        part = [r for r in rows if r["image_key"] is not None and r["split"] == name]
        if kept is not None:
            counts[f"{name}_other_languages"] = sum(1 for r in part if r["language"] not in kept)
            part = [r for r in part if r["language"] in kept]
        write_parquet(pa.Table.from_pylist(part, schema), out / f"{name}.parquet")
        counts[name] = len(part)
    counts["test_removed_as_leak"] = sum(
        1 for r in rows if r["image_key"] is not None and r["split"] == "test" and r["exhibit_id"] in leaked
    )
    return counts


def task_info(rows: list[Row], empty_reason: str | None) -> dict[str, Any]:
    """What the manifest says of one task set: sizes, languages, views, its version, why it is empty."""
    return {
        "rows": len(rows),
        "questions": len({r["question_id"] for r in rows}),
        "exhibits": len({r["exhibit_id"] for r in rows}),
        "languages": sorted({r["language"] for r in rows}),
        "views": {v: sum(1 for r in rows if r["view"] == v) for v in sorted({r["view"] for r in rows})},
        "content_hash": content_hash(rows),
        "empty_reason": empty_reason,
    }


def write_task_sets(
    built: dict[str, list[Row]], schema: pa.Schema, out: Path, why_empty: Callable[[str], str]
) -> dict[str, dict[str, Any]]:
    """One parquet per task set (a `task` column added); returns each set's manifest entry."""
    task_schema = pa.schema([*schema, pa.field("task", pa.string())])
    info = {}
    for name, rows in built.items():
        write_parquet(pa.Table.from_pylist(rows, task_schema), out / f"{name}.parquet")
        info[name] = task_info(rows, None if rows else why_empty(name))
    return info
