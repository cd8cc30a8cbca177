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
from museumvqa.images.fingerprint import Fingerprint, fingerprint
from museumvqa.inputs import input_file, output_folder, require_columns
from museumvqa.io import write_json
from museumvqa.tasks.definitions import in_own_language
from museumvqa.tasks.exhibits import exhibit_facts
from museumvqa.tasks.leaks import DEFAULT_MIN_MATCHES, METHOD, Leaks, find_leaks
from museumvqa.tasks.outputs import write_leaks, write_split, write_task_sets, write_training_splits
from museumvqa.tasks.registry import Row, Task, Views, get_tasks, task_names, why_empty
from museumvqa.tasks.split import split_exhibits, split_museums
from museumvqa.tasks.views import MAIN, exhibit_views

QA_REQUIRED = (
    "question_id", "exhibit_id", "category", "language", "question", "answers", "visual", "knowledge", "answer_language"
)
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


def _fingerprints(index_path: Path, keys: set[str]) -> dict[str, Fingerprint]:
    """The local-feature fingerprint of each image in `keys`, from its pixels in the shards beside the index."""
    from museumvqa.images.reader import iter_samples

    index = pq.read_table(index_path)
    listed = set(index["shard"].to_pylist()) if "shard" in index.column_names else {None}
    missing = sorted(str(s) for s in listed if s is None or not (index_path.parent / s).is_file())
    if missing:
        raise UserError(
            f"benchmarks: the near-duplicate leak check reads the images from the shards beside {index_path}, "
            f"and shard {missing[0]} is not there; give the index.parquet inside its shards folder, or "
            "--leak-min-matches -1 to skip the check"
        )
    return {sample.key: fingerprint(sample.image) for sample in iter_samples(index_path.parent, keys)}


def _find_leaks(
    index_path: Path, views: Views, exhibit_ids: list[str], split_of: dict[str, str], min_matches: int | None
) -> Leaks:
    """Test images with `min_matches` or more keypoint matches in a train/val image (`None`: not checked)."""
    key_split = {key: split_of[e] for e in exhibit_ids for key, _ in views[e]}
    key_exhibit = {key: e for e in exhibit_ids for key, _ in views[e]}
    pairs = []
    if min_matches is not None:
        pairs = find_leaks(_fingerprints(index_path, set(key_split)), key_split, min_matches)
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


def _check_languages(train_languages: Sequence[str] | None, languages: set[str]) -> None:
    if train_languages and not set(train_languages) & languages:
        raise UserError(
            f"benchmarks: --train-languages {','.join(train_languages)}: the QA table has none of these "
            f"(it holds {', '.join(sorted(languages))})"
        )


def _gold_languages(test: list[Row]) -> dict[str, int]:
    """Non-English test questions, and how many have gold answers in their own language (or neutral):
    MultiLanguage asks only those."""
    other = [r for r in test if r["language"] != "en"]
    return {"questions": len(other), "gold_in_question_language": sum(map(in_own_language, other))}


def _split_facts(split_of: dict[str, str], leaks: Leaks, min_matches: int | None) -> dict[str, Any]:
    """The manifest's exhibits per split and what the leak check found, with its method and threshold."""
    return {
        "exhibits": {s: sum(1 for v in split_of.values() if v == s) for s in ("train", "val", "test")},
        "leaks": {
            "checked": min_matches is not None,
            "method": METHOD if min_matches is not None else None,
            "min_matches": min_matches,
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
    leak_min_matches: int | None = DEFAULT_MIN_MATCHES,
    train_languages: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Write split.parquet, train/val.parquet, one parquet per task (default: every registered task),
    leaks.parquet and manifest.json.

    Split by exhibit (seeded), or, with `test_museums`, hold those museums out whole. Test exhibits with
    an image that shows the same object as a train/val image (`leak_min_matches` or more keypoint matches
    agreeing on one camera mapping: tasks/leaks.py) are reported in leaks.parquet and removed from the
    test set (`leak_min_matches=None` skips the check: the manifest says so). A QA
    pair whose exhibit has no main image goes to no_image.parquet. `train_languages` keeps train/val
    to those languages (["en"]: the paper's setting, train in English and ask MultiLanguage in others);
    the manifest counts the pairs left out.
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
    leaks = _find_leaks(index_path, views, exhibit_ids, split_of, leak_min_matches)
    leaked = leaks.exhibits
    for row in usable:
        row["split"] = split_of[row["exhibit_id"]]
    test = [r for r in usable if r["split"] == "test" and r["exhibit_id"] not in leaked]
    languages = {r["language"] for r in rows}
    built = _task_sets(chosen, test, views)
    _refuse_all_empty(built, test, languages, split_of)

    write_leaks(leaks, out)
    write_split(split_of, facts, leaked, out)
    _check_languages(train_languages, languages)
    counts: dict[str, int] = write_training_splits(rows, schema, leaked, out, train_languages)
    task_info = write_task_sets(built, schema, out, lambda name: why_empty(name, test, languages))
    counts.update({name: info["rows"] for name, info in task_info.items()})
    manifest = {
        "seed": seed,
        "split_mode": "museum" if test_museums else "exhibit",
        "test_museums": sorted(test_museums),
        "val_fraction": val_fraction,
        "test_fraction": None if test_museums else test_fraction,
        "train_languages": sorted(train_languages) if train_languages else None,
        "multilanguage_gold": _gold_languages(test),
        **_split_facts(split_of, leaks, leak_min_matches),
        "counts": counts,
        "tasks": task_info,
        "content_hash": {name: info["content_hash"] for name, info in task_info.items()},
    }
    write_json(manifest, out / "manifest.json")
    return manifest
