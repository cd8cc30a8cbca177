"""Build the registered task sets from QA pairs, a split and the image index.

Each step is a function: read and check the inputs, put every question on its exhibit's main view,
split the exhibits, find near-duplicate leaks, build each task's rows from the test rows, write.
A task with nothing to ask on the data at hand is written empty, with the reason in the manifest.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from museumvqa.errors import UserError
from museumvqa.inputs import input_file, output_folder, require_columns
from museumvqa.io import write_json
from museumvqa.tasks.exhibits import exhibit_facts
from museumvqa.tasks.leaks import Leaks, dhash, find_leaks
from museumvqa.tasks.outputs import write_leaks, write_split, write_task_sets, write_training_splits
from museumvqa.tasks.registry import Row, Task, Views, get_tasks, task_names, why_empty
from museumvqa.tasks.split import split_exhibits, split_museums
from museumvqa.tasks.views import MAIN, exhibit_views

QA_REQUIRED = ("question_id", "exhibit_id", "category", "language", "question", "answers", "visual")
EXTRA_COLUMNS = [
    ("image_key", pa.string()),
    ("view", pa.string()),
    ("split", pa.string()),
    ("museum", pa.string()),
    ("continent", pa.string()),
]


def _read_inputs(qa_path: Path, index_path: Path) -> tuple[pa.Table, Views]:
    input_file(qa_path, "--questions", "the qa.parquet that `questions build` wrote")
    input_file(index_path, "--index", "the index.parquet that `shards` wrote")
    require_columns(index_path, ("key", "exhibit_id", "role"), "an image index (shards/index.parquet)")
    require_columns(qa_path, QA_REQUIRED, "a QA table (questions/qa.parquet)")
    return pq.read_table(qa_path), exhibit_views(index_path)


def _on_main_view(qa: pa.Table, views: Views, facts: dict[str, dict[str, str]]) -> list[Row]:
    """Every QA pair, in question order, with its exhibit's facts and main view (image_key None: no image)."""
    rows = sorted(qa.to_pylist(), key=lambda r: r["question_id"])
    for row in rows:
        own = views.get(row["exhibit_id"])
        row.update(facts[row["exhibit_id"]], image_key=own[0][0] if own else None, view=MAIN)
    return rows


def _refuse_without_images(rows: list[Row], qa: pa.Table, qa_path: Path, index_path: Path) -> None:
    if any(r["image_key"] is not None for r in rows):
        return
    raise UserError(
        f"benchmarks: none of the {len(rows)} QA pairs has an image: {index_path} lists no image of the "
        f"{len(set(qa['exhibit_id'].to_pylist()))} exhibits in {qa_path}; give the index.parquet of the "
        "same run's `shards` stage (and check that it stored images)"
    )


def _split(
    exhibit_ids: list[str],
    facts: dict[str, dict[str, str]],
    seed: int,
    val_fraction: float,
    test_fraction: float,
    test_museums: Sequence[str],
) -> dict[str, str]:
    if test_museums:
        return split_museums({e: facts[e]["museum"] for e in exhibit_ids}, test_museums, seed, val_fraction)
    return split_exhibits(exhibit_ids, seed, val_fraction, test_fraction)


def _image_hashes(index_path: Path, shards_dir: Path) -> dict[str, int]:
    """Perceptual hash per image key: the index's `phash` column when the shard build wrote one."""
    index = pq.read_table(index_path)
    if "phash" in index.column_names:
        return {
            k: int(v, 16) if isinstance(v, str) else int(v)
            for k, v in zip(index["key"].to_pylist(), index["phash"].to_pylist())
            if v is not None
        }
    from museumvqa.images.reader import iter_samples

    return {sample.key: dhash(sample.image) for sample in iter_samples(shards_dir)}


def _find_leaks(
    index_path: Path, views: Views, exhibit_ids: list[str], split_of: dict[str, str], max_distance: int | None
) -> Leaks:
    """Test images within `max_distance` bits of a train/val image (`None`: not checked, no pairs)."""
    key_split = {key: split_of[e] for e in exhibit_ids for key, _ in views[e]}
    key_exhibit = {key: e for e in exhibit_ids for key, _ in views[e]}
    pairs = []
    if max_distance is not None:
        hashes = {k: v for k, v in _image_hashes(index_path, index_path.parent).items() if k in key_split}
        pairs = find_leaks(hashes, key_split, max_distance)
    return Leaks(pairs, key_split, key_exhibit)


def _task_sets(tasks: list[Task], test: list[Row], views: Views) -> dict[str, list[Row]]:
    return {task.name: [{**r, "task": task.name} for r in task.build(test, views)] for task in tasks}


def _refuse_all_empty(
    built: dict[str, list[Row]], test: list[Row], languages: set[str], split_of: dict[str, str]
) -> None:
    if any(built.values()):
        return
    reasons = "; ".join(f"{name}: {why_empty(name, test, languages)}" for name in built)
    raise UserError(
        f"benchmarks: every task set is empty ({reasons}); {len(split_of)} exhibits with images split "
        f"into {sum(v == 'test' for v in split_of.values())} test exhibits; add exhibits or raise --test-fraction"
    )


def _split_facts(split_of: dict[str, str], leaks: Leaks, max_distance: int | None) -> dict[str, Any]:
    """The manifest's exhibits per split and what the leak check found."""
    return {
        "exhibits": {s: sum(1 for v in split_of.values() if v == s) for s in ("train", "val", "test")},
        "leaks": {
            "checked": max_distance is not None,
            "max_distance": max_distance,
            "pairs": len(leaks.pairs),
            "test_exhibits_removed": len(leaks.exhibits),
        },
    }


def build_benchmarks(
    qa_path: str | Path,
    index_path: str | Path,
    out_dir: str | Path,
    seed: int = 0,
    val_fraction: float = 0.1,
    test_fraction: float = 0.2,
    tasks: Sequence[str] | None = None,
    *,
    exhibits: str | Path | None = None,
    test_museums: Sequence[str] = (),
    max_leak_distance: int | None = 4,
) -> dict[str, Any]:
    """Write split.parquet, train/val.parquet, one parquet per task (default: every registered task),
    leaks.parquet and manifest.json.

    Split by exhibit (seeded), or, with `test_museums`, hold those museums out whole. Test exhibits with
    an image within `max_leak_distance` bits (dHash) of a train/val image are reported in leaks.parquet
    and removed from the test set (`max_leak_distance=None` skips the check: the manifest says so). A QA
    pair whose exhibit has no main image goes to no_image.parquet.
    """
    chosen = get_tasks(task_names() if tasks is None else tasks)
    qa_path, index_path, out = Path(qa_path), Path(index_path), output_folder(Path(out_dir))
    qa, views = _read_inputs(qa_path, index_path)
    facts = exhibit_facts(exhibits, set(qa["exhibit_id"].to_pylist()))
    schema = pa.schema([*qa.schema, *(pa.field(n, t) for n, t in EXTRA_COLUMNS)])

    rows = _on_main_view(qa, views, facts)
    _refuse_without_images(rows, qa, qa_path, index_path)
    usable = [r for r in rows if r["image_key"] is not None]
    exhibit_ids = sorted({r["exhibit_id"] for r in usable})
    split_of = _split(exhibit_ids, facts, seed, val_fraction, test_fraction, test_museums)
    leaks = _find_leaks(index_path, views, exhibit_ids, split_of, max_leak_distance)
    leaked = leaks.exhibits
    for row in usable:
        row["split"] = split_of[row["exhibit_id"]]
    test = [r for r in usable if r["split"] == "test" and r["exhibit_id"] not in leaked]
    languages = {r["language"] for r in rows}
    built = _task_sets(chosen, test, views)
    _refuse_all_empty(built, test, languages, split_of)

    write_leaks(leaks, out)
    write_split(split_of, facts, leaked, out)
    counts: dict[str, int] = write_training_splits(rows, schema, leaked, out)
    task_info = write_task_sets(built, schema, out, lambda name: why_empty(name, test, languages))
    counts.update({name: info["rows"] for name, info in task_info.items()})
    manifest = {
        "seed": seed,
        "split_mode": "museum" if test_museums else "exhibit",
        "test_museums": sorted(test_museums),
        "val_fraction": val_fraction,
        "test_fraction": None if test_museums else test_fraction,
        **_split_facts(split_of, leaks, max_leak_distance),
        "counts": counts,
        "tasks": task_info,
        "content_hash": {name: info["content_hash"] for name, info in task_info.items()},
    }
    write_json(manifest, out / "manifest.json")
    return manifest
