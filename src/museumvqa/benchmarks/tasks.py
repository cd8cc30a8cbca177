"""Build the task tables from QA pairs, a split and the image index.

Tasks are registered by name: a new benchmark is a function from the test QA table to its rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from museumvqa.benchmarks.split import split_exhibits
from museumvqa.errors import UserError
from museumvqa.io import write_json, write_parquet

TASKS: dict[str, Callable[[pa.Table], pa.Table]] = {
    # 1. General VQA: every test question.
    "general": lambda test: test,
    # 2. Category-wise VQA: the same questions, scored per attribute category.
    "category": lambda test: test,
}


def _with_column(table: pa.Table, name: str, value: str) -> pa.Table:
    return table.append_column(name, pa.array([value] * table.num_rows, pa.string()))


def _content_hash(table: pa.Table) -> str:
    digest = hashlib.sha256()
    for row in table.sort_by("question_id").select(["question_id", "question", "answers", "image_key"]).to_pylist():
        digest.update(repr(sorted(row.items())).encode())
    return digest.hexdigest()[:16]


def build_benchmarks(
    qa_path: str | Path,
    index_path: str | Path,
    out_dir: str | Path,
    seed: int = 0,
    val_fraction: float = 0.1,
    test_fraction: float = 0.2,
    tasks: tuple[str, ...] = ("general", "category"),
) -> dict:
    """Write split.parquet, train/val parquet, one parquet per task and manifest.json into out_dir.

    Each QA pair is joined to its exhibit's primary image; a pair whose exhibit has no usable
    image goes to `no_image.parquet` rather than vanishing.
    """
    unknown = sorted(set(tasks) - set(TASKS))
    if unknown:
        raise UserError(f"unknown tasks {unknown}; known: {', '.join(TASKS)}")
    for path in (qa_path, index_path):
        if not Path(path).is_file():
            raise UserError(f"{path}: missing (run the earlier stages first)")
    qa = pq.read_table(qa_path)
    index = pq.read_table(index_path, columns=["key", "exhibit_id", "role"])
    primary = index.filter(pc.equal(index["role"], "primary")).group_by("exhibit_id").aggregate([("key", "min")])
    image_of = dict(zip(primary["exhibit_id"].to_pylist(), primary["key_min"].to_pylist()))
    image_keys = pa.array([image_of.get(e) for e in qa["exhibit_id"].to_pylist()], pa.string())
    keyed = qa.append_column("image_key", image_keys).sort_by([("question_id", "ascending")])
    has_image = pc.is_valid(keyed["image_key"])
    usable, no_image = keyed.filter(has_image), keyed.filter(pc.invert(has_image))

    splits = split_exhibits(usable["exhibit_id"].to_pylist(), seed, val_fraction, test_fraction)
    out = Path(out_dir)
    write_parquet(pa.table({"exhibit_id": list(splits), "split": list(splits.values())}), out / "split.parquet")
    split_column = pa.array([splits[e] for e in usable["exhibit_id"].to_pylist()], pa.string())
    usable = usable.append_column("split", split_column)
    write_parquet(no_image, out / "no_image.parquet")
    counts: dict[str, int] = {"no_image": no_image.num_rows}
    for name in ("train", "val"):
        part = usable.filter(pc.equal(usable["split"], name))
        write_parquet(part, out / f"{name}.parquet")
        counts[name] = part.num_rows
    test = usable.filter(pc.equal(usable["split"], "test"))
    hashes = {}
    for name in tasks:
        table = _with_column(TASKS[name](test), "task", name)
        write_parquet(table, out / f"{name}.parquet")
        counts[name] = table.num_rows
        hashes[name] = _content_hash(table)
    manifest = {
        "seed": seed,
        "val_fraction": val_fraction,
        "test_fraction": test_fraction,
        "exhibits": {s: sum(1 for v in splits.values() if v == s) for s in ("train", "val", "test")},
        "counts": counts,
        "tasks": list(tasks),
        "content_hash": hashes,
    }
    write_json(manifest, out / "manifest.json")
    return manifest
