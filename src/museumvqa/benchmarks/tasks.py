"""Build the five task sets from QA pairs, a split and the image index.

Tasks are registered by name: a task is a function from the test rows (each joined to its exhibit's
views) to the rows it scores. General, Category-wise, MultiAngle and Visually unanswerable are asked in
English; MultiLanguage holds every other language, so adding a translation never changes the English
numbers. A task with nothing to ask on the data at hand is written empty, with the reason in the manifest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from museumvqa.benchmarks.exhibits import exhibit_facts
from museumvqa.benchmarks.leaks import dhash, find_leaks
from museumvqa.benchmarks.split import split_exhibits, split_museums
from museumvqa.benchmarks.views import MAIN, exhibit_views
from museumvqa.errors import UserError
from museumvqa.inputs import input_file, output_folder, require_columns
from museumvqa.io import write_json, write_parquet

QA_REQUIRED = ("question_id", "exhibit_id", "category", "language", "question", "answers", "visual")
EXTRA_COLUMNS = [
    ("image_key", pa.string()),
    ("view", pa.string()),
    ("split", pa.string()),
    ("museum", pa.string()),
    ("continent", pa.string()),
]
# Knowledge the photograph cannot show: how the museum got it, and facts of the linked person record.
KNOWLEDGE_CATEGORIES = (
    "acquisition",
    "acquisition_year",
    "credit_line",
    "department",
    "birth_year",
    "death_year",
    "birth_place",
    "death_place",
    "nationality",
)
PERSON_PREFIXES = ("creator_", "person_")

Row = dict[str, Any]


@dataclass(frozen=True)
class Task:
    """A task: which test rows it asks, and what to say when the data has none."""

    build: Callable[[list[Row], dict[str, list[tuple[str, str]]]], list[Row]]
    empty_reason: str


def _english(rows: list[Row]) -> list[Row]:
    return [r for r in rows if r["language"] == "en"]


def _every_view(rows: list[Row], views: dict[str, list[tuple[str, str]]]) -> list[Row]:
    return [
        {**r, "image_key": key, "view": label}
        for r in _english(rows)
        if len(views[r["exhibit_id"]]) >= 2
        for key, label in views[r["exhibit_id"]]
    ]


def is_knowledge_question(row: Row) -> bool:
    """Not answerable from the pixels: a non-visual question about acquisition, the museum's records, or
    the linked person record (birth and death, nationality, role)."""
    category = row["category"]
    return not row["visual"] and (category in KNOWLEDGE_CATEGORIES or category.startswith(PERSON_PREFIXES))


TASKS: dict[str, Task] = {
    # 1. General VQA: every English test question on the main view.
    "general": Task(lambda rows, views: _english(rows), "no English test questions"),
    # 2. Category-wise VQA: the same questions, scored per attribute category.
    "category": Task(lambda rows, views: _english(rows), "no English test questions"),
    # 3. MultiAngle: every question of an exhibit with two or more views, asked on each view.
    "multiangle": Task(
        _every_view,
        "no test exhibit has two or more indexed views (the image index holds primary images only)",
    ),
    # 4. Visually unanswerable: knowledge questions (acquisition, credit line, department, person facts).
    "unanswerable": Task(
        lambda rows, views: [r for r in _english(rows) if is_knowledge_question(r)],
        "no knowledge questions (acquisition, credit line, department, person facts) in the test split",
    ),
    # 5. MultiLanguage: every non-English test question.
    "multilanguage": Task(
        lambda rows, views: [r for r in rows if r["language"] != "en"],
        "no non-English test questions",
    ),
}
TASK_NAMES = tuple(TASKS)


def why_empty(name: str, test: Sequence[Row], languages: set[str]) -> str:
    """The reason a task set came out empty: an empty test split first, then the task's own reason."""
    if not test:
        return "the test split is empty (no test exhibit with an image kept)"
    if name == "multilanguage" and languages <= {"en"}:
        return "the QA table holds English questions only"
    return TASKS[name].empty_reason


def content_hash(rows: Sequence[Row]) -> str:
    """A task version: changes when any asked question, gold answer or image changes, not with row order."""
    digest = hashlib.sha256()
    fields = ("question_id", "question", "answers", "image_key", "view")
    for item in sorted(repr([row[f] for f in fields]) for row in rows):
        digest.update(item.encode())
    return digest.hexdigest()[:16]


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


def _read_qa(qa_path: Path) -> pa.Table:
    require_columns(qa_path, QA_REQUIRED, "a QA table (questions/qa.parquet)")
    return pq.read_table(qa_path)


def build_benchmarks(
    qa_path: str | Path,
    index_path: str | Path,
    out_dir: str | Path,
    seed: int = 0,
    val_fraction: float = 0.1,
    test_fraction: float = 0.2,
    tasks: Sequence[str] = TASK_NAMES,
    *,
    exhibits: str | Path | None = None,
    test_museums: Sequence[str] = (),
    max_leak_distance: int | None = 4,
) -> dict[str, Any]:
    """Write split.parquet, train/val.parquet, one parquet per task, leaks.parquet and manifest.json.

    Split by exhibit (seeded), or, with `test_museums`, hold those museums out whole. Test exhibits with
    an image within `max_leak_distance` bits (dHash) of a train/val image are reported in leaks.parquet
    and removed from the test set (`max_leak_distance=None` skips the check: the manifest says so). A QA pair whose exhibit has no main image goes to no_image.parquet.
    """
    unknown = sorted(set(tasks) - set(TASKS))
    if unknown:
        raise UserError(f"unknown tasks {unknown}; known: {', '.join(TASKS)}")
    qa_path, index_path, out = Path(qa_path), Path(index_path), output_folder(Path(out_dir))
    input_file(qa_path, "--questions", "the qa.parquet that `questions build` wrote")
    input_file(index_path, "--index", "the index.parquet that `shards` wrote")
    require_columns(index_path, ("key", "exhibit_id", "role"), "an image index (shards/index.parquet)")
    qa = _read_qa(qa_path)
    views = exhibit_views(index_path)
    facts = exhibit_facts(exhibits, set(qa["exhibit_id"].to_pylist()))
    schema = pa.schema([*qa.schema, *(pa.field(n, t) for n, t in EXTRA_COLUMNS)])

    rows = sorted(qa.to_pylist(), key=lambda r: r["question_id"])
    for row in rows:
        exhibit_views_ = views.get(row["exhibit_id"])
        row.update(facts[row["exhibit_id"]], image_key=exhibit_views_[0][0] if exhibit_views_ else None, view=MAIN)
    usable = [r for r in rows if r["image_key"] is not None]
    no_image = [{**r, "split": None} for r in rows if r["image_key"] is None]
    if not usable:
        raise UserError(
            f"benchmarks: none of the {len(rows)} QA pairs has an image: {index_path} lists no image of the "
            f"{len(set(qa['exhibit_id'].to_pylist()))} exhibits in {qa_path}; give the index.parquet of the "
            "same run's `shards` stage (and check that it stored images)"
        )

    exhibit_ids = sorted({r["exhibit_id"] for r in usable})
    if test_museums:
        split_of = split_museums({e: facts[e]["museum"] for e in exhibit_ids}, test_museums, seed, val_fraction)
    else:
        split_of = split_exhibits(exhibit_ids, seed, val_fraction, test_fraction)

    key_split = {key: split_of[e] for e in exhibit_ids for key, _ in views[e]}
    key_exhibit = {key: e for e in exhibit_ids for key, _ in views[e]}
    leaks = []
    if max_leak_distance is not None:
        hashes = {k: v for k, v in _image_hashes(index_path, index_path.parent).items() if k in key_split}
        leaks = find_leaks(hashes, key_split, max_leak_distance)
    leaked = {key_exhibit[test_key] for test_key, _, _ in leaks}
    for row in usable:
        row["split"] = split_of[row["exhibit_id"]]
    test = [r for r in usable if r["split"] == "test" and r["exhibit_id"] not in leaked]
    languages = {r["language"] for r in rows}
    built = {name: [{**r, "task": name} for r in TASKS[name].build(test, views)] for name in tasks}
    if not any(built.values()):
        reasons = "; ".join(f"{name}: {why_empty(name, test, languages)}" for name in tasks)
        raise UserError(
            f"benchmarks: every task set is empty ({reasons}); {len(exhibit_ids)} exhibits with images split "
            f"into {sum(v == 'test' for v in split_of.values())} test exhibits; add exhibits or raise --test-fraction"
        )

    write_parquet(
        pa.table(
            {
                "test_key": [t for t, _, _ in leaks],
                "test_exhibit": [key_exhibit[t] for t, _, _ in leaks],
                "other_key": [o for _, o, _ in leaks],
                "other_exhibit": [key_exhibit[o] for _, o, _ in leaks],
                "other_split": [key_split[o] for _, o, _ in leaks],
                "distance": pa.array([d for _, _, d in leaks], pa.int32()),
            }
        ),
        out / "leaks.parquet",
    )
    split_rows = [
        {"exhibit_id": e, "split": split_of[e], "museum": facts[e]["museum"], "removed_as_leak": e in leaked}
        for e in exhibit_ids
    ]
    write_parquet(pa.Table.from_pylist(split_rows), out / "split.parquet")

    write_parquet(pa.Table.from_pylist(no_image, schema), out / "no_image.parquet")
    counts: dict[str, int] = {"no_image": len(no_image)}
    for name in ("train", "val"):
        part = [r for r in usable if r["split"] == name]
        write_parquet(pa.Table.from_pylist(part, schema), out / f"{name}.parquet")
        counts[name] = len(part)
    counts["test_removed_as_leak"] = sum(1 for r in usable if r["split"] == "test" and r["exhibit_id"] in leaked)

    task_info: dict[str, dict[str, Any]] = {}
    for name, task_rows in built.items():
        table = pa.Table.from_pylist(task_rows, pa.schema([*schema, pa.field("task", pa.string())]))
        write_parquet(table, out / f"{name}.parquet")
        counts[name] = len(task_rows)
        task_info[name] = {
            "rows": len(task_rows),
            "questions": len({r["question_id"] for r in task_rows}),
            "exhibits": len({r["exhibit_id"] for r in task_rows}),
            "languages": sorted({r["language"] for r in task_rows}),
            "views": {v: sum(1 for r in task_rows if r["view"] == v) for v in sorted({r["view"] for r in task_rows})},
            "content_hash": content_hash(task_rows),
            "empty_reason": None if task_rows else why_empty(name, test, languages),
        }
    manifest = {
        "seed": seed,
        "split_mode": "museum" if test_museums else "exhibit",
        "test_museums": sorted(test_museums),
        "val_fraction": val_fraction,
        "test_fraction": None if test_museums else test_fraction,
        "exhibits": {s: sum(1 for v in split_of.values() if v == s) for s in ("train", "val", "test")},
        "leaks": {
            "checked": max_leak_distance is not None,
            "max_distance": max_leak_distance,
            "pairs": len(leaks),
            "test_exhibits_removed": len(leaked),
        },
        "counts": counts,
        "tasks": task_info,
        "content_hash": {name: info["content_hash"] for name, info in task_info.items()},
    }
    write_json(manifest, out / "manifest.json")
    return manifest
