"""Build the registered task sets from QA pairs, a split and the image index.

Each step is a function: read and check the inputs (the QA table a column pair at a time), split the
exhibits, find near-duplicate leaks, then stream the QA pairs in question order, each on its exhibit's
main view, to train/val or, for test pairs, through each task's rows into its file. A task with
nothing to ask on the data at hand is written empty, with the reason in the manifest.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from museumvqa.errors import UserError
from museumvqa.inputs import input_file, output_folder, require_columns
from museumvqa.io import write_json
from museumvqa.settings import BenchmarksConfig
from museumvqa.tasks.definitions import in_own_language
from museumvqa.tasks.exhibit_arrays import Coded, Exhibits, ImageViews
from museumvqa.tasks.exhibits import exhibit_facts
from museumvqa.tasks.fingerprints import image_fingerprints
from museumvqa.tasks.leaks import DEFAULT_MIN_MATCHES, METHOD, Leaks, find_leaks
from museumvqa.tasks.outputs import TaskSets, TrainingSplits, staged, write_leaks, write_split
from museumvqa.tasks.registry import Row, get_tasks, task_names, why_empty
from museumvqa.tasks.split import SPLITS, split_exhibits, split_museums
from museumvqa.tasks.stream import check_memory_limit, duckdb_session, pairs_in_question_order
from museumvqa.tasks.views import view_table

_DEFAULTS = BenchmarksConfig()
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


def _read_inputs(qa_path: Path, index_path: Path, batch_rows: int) -> tuple[pa.Schema, pa.Array, set[str], pa.Table]:
    """The QA table's schema, exhibits (sorted) and languages (read a column pair at a time), and the
    index's views."""
    input_file(qa_path, "--questions", "the qa.parquet that `questions build` wrote")
    input_file(index_path, "--index", "the index.parquet that `shards` wrote")
    require_columns(index_path, ("key", "exhibit_id", "role"), "an image index (shards/index.parquet)")
    require_columns(qa_path, QA_REQUIRED, "a QA table (questions/qa.parquet)")
    parts: list[pa.Array] = []
    languages: set[str] = set()
    for batch in pq.ParquetFile(qa_path).iter_batches(batch_rows, columns=["exhibit_id", "language"]):
        parts.append(pc.unique(batch.column(0)).cast(pa.string()))
        languages.update(pc.unique(batch.column(1)).to_pylist())
    ids = pc.drop_null(pc.unique(pa.chunked_array(parts, pa.string())))
    ids = ids.take(pc.sort_indices(ids))
    return pq.read_schema(qa_path), ids, languages, view_table(index_path, ids)


def _refuse_without_images(usable: int, qa_exhibits: int, qa_path: Path, index_path: Path) -> None:
    if usable:
        return
    raise UserError(
        f"benchmarks: none of the {pq.ParquetFile(qa_path).metadata.num_rows} QA pairs has an image: {index_path} "
        f"lists no image of the {qa_exhibits} exhibits in {qa_path}; give the index.parquet of the "
        "same run's `shards` stage (and check that it stored images)"
    )


def _split(
    with_images: np.ndarray,
    museum: Coded,
    seed: int,
    val_fraction: float,
    test_fraction: float,
    test_museums: Sequence[str],
) -> Coded:
    """The split of each exhibit: of those with images (`with_images`, rows in id order) by seed or museum."""
    if test_museums:
        codes = split_museums(museum.codes[with_images], museum.names, test_museums, seed, val_fraction)
    else:
        codes = split_exhibits(len(with_images), seed, val_fraction, test_fraction)
    split = np.full(len(museum.codes), -1, np.int8)
    split[with_images] = codes
    return Coded(split, list(SPLITS))


def _find_leaks(
    index_path: Path,
    exhibits: Exhibits,
    min_matches: int | None,
    workers: int,
    ray: bool,
    ray_address: str | None,
) -> Leaks:
    """Test images with `min_matches` or more keypoint matches in a train/val image (`None`: not checked);
    the images' fingerprints computed a shard at a time, `workers` at once (`image_fingerprints`)."""
    if min_matches is None:
        return Leaks([], {}, {})
    key_split: dict[str, str] = {}
    key_exhibit: dict[str, str] = {}
    for key, exhibit_id, split in exhibits.images():
        key_split[key], key_exhibit[key] = split, exhibit_id
    pairs = find_leaks(image_fingerprints(index_path, set(key_split), workers, ray, ray_address), key_split, min_matches)
    return Leaks(pairs, key_split, key_exhibit)


def _refuse_all_empty(built: dict[str, int], has_test: bool, languages: set[str], splits: dict[str, int]) -> None:
    if any(built.values()):
        return
    reasons = "; ".join(f"{name}: {why_empty(name, has_test, languages)}" for name in built)
    raise UserError(
        f"benchmarks: every task set is empty ({reasons}); {sum(splits.values())} exhibits with images split "
        f"into {splits['test']} test exhibits; add exhibits or raise --test-fraction"
    )


def _check_languages(train_languages: Sequence[str] | None, languages: set[str]) -> None:
    if train_languages and not set(train_languages) & languages:
        raise UserError(
            f"benchmarks: --train-languages {','.join(train_languages)}: the QA table has none of these "
            f"(it holds {', '.join(sorted(languages))})"
        )


class _GoldLanguages:
    """Non-English test questions, and how many have gold answers in their own language (or neutral):
    MultiLanguage asks only those. Counted a batch at a time."""

    def __init__(self) -> None:
        self.counts = {"questions": 0, "gold_in_question_language": 0}

    def add(self, test: list[Row]) -> None:
        other = [r for r in test if r["language"] != "en"]
        self.counts["questions"] += len(other)
        self.counts["gold_in_question_language"] += sum(map(in_own_language, other))


def _split_facts(splits: dict[str, int], leaks: Leaks, min_matches: int | None) -> dict[str, Any]:
    """The manifest's exhibits per split and what the leak check found, with its method and threshold."""
    return {
        "exhibits": splits,
        "leaks": {
            "checked": min_matches is not None,
            "method": METHOD if min_matches is not None else None,
            "min_matches": min_matches,
            "pairs": len(leaks.pairs),
            "test_exhibits_removed": len(leaks.exhibits),
        },
    }


def _stream(
    con: duckdb.DuckDBPyConnection,
    qa_path: Path,
    exhibits: Exhibits,
    schema: pa.Schema,
    leaked: set[str],
    training: TrainingSplits,
    task_sets: TaskSets,
    batch_rows: int,
) -> tuple[int, int, dict[str, int]]:
    """Every QA pair, in question order, to its file: train/val/no_image, or, for a test pair not removed
    as a leak, the task sets. Returns the test pairs kept, those removed as leaks, and MultiLanguage's gold."""
    kept, removed, gold = 0, 0, _GoldLanguages()
    leaked_ids = pa.array(sorted(leaked), pa.string())
    for batch, exhibit_rows in pairs_in_question_order(con, qa_path, exhibits, schema, batch_rows):
        training.add(batch)
        is_test = pc.fill_null(pc.equal(batch["split"], "test"), False)
        test = batch.filter(is_test)
        keep = pc.invert(pc.is_in(test["exhibit_id"], value_set=leaked_ids))
        rows = test.filter(keep).to_pylist()
        removed += test.num_rows - len(rows)
        kept += len(rows)
        gold.add(rows)
        test_rows = exhibit_rows[is_test.to_numpy(zero_copy_only=False)]
        task_sets.add(rows, exhibits.views_of(test_rows[keep.to_numpy(zero_copy_only=False)]))
    return kept, removed, gold.counts


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
    memory_limit: str = _DEFAULTS.memory_limit,
    batch_rows: int = _DEFAULTS.batch_rows,
    workers: int = _DEFAULTS.workers,
    ray: bool = False,
    ray_address: str | None = None,
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

    Memory is bounded by the settings, not the data: exhibits, images and the split are held as arrays,
    tens of bytes per exhibit (tasks/exhibit_arrays.py); QA pairs stream through in question order
    (DuckDB sorts them within `memory_limit`, spilling to a folder inside `out_dir`; Python holds
    `batch_rows` pairs at a time). A refused build leaves no files.

    The leak check fingerprints its images a shard at a time, `workers` shards at once: in processes, or as
    Ray tasks with `ray` (a local instance) or `ray_address` (a cluster: the shards on shared storage).
    Every way gives the same files.
    """
    if batch_rows < 1:
        raise UserError(f"--batch-rows {batch_rows}: give 1 or more QA pairs per batch")
    if workers < 1:
        raise UserError(f"--workers {workers}: give 1 or more")
    check_memory_limit(memory_limit)
    chosen = get_tasks(task_names() if tasks is None else tasks)
    qa_path, index_path, out = Path(qa_path), Path(index_path), output_folder(Path(out_dir))
    qa_schema, ids, languages, view_rows = _read_inputs(qa_path, index_path, batch_rows)
    views = ImageViews.of(len(ids), view_rows)
    del view_rows
    with_images = np.flatnonzero(views.start >= 0)
    _refuse_without_images(len(with_images), len(ids), qa_path, index_path)
    _check_languages(train_languages, languages)
    museum, continent = exhibit_facts(exhibits, ids)
    schema = pa.schema([*qa_schema, *(pa.field(n, t) for n, t in EXTRA_COLUMNS)])

    split = _split(with_images, museum, seed, val_fraction, test_fraction, test_museums)
    table = Exhibits(ids, views, split, museum, continent)
    splits = table.split_counts()
    leaks = _find_leaks(index_path, table, leak_min_matches, workers, ray, ray_address)
    leaked = leaks.exhibits
    with staged(out) as stage, duckdb_session(stage / "work", memory_limit) as con:
        training = TrainingSplits(stage, schema, batch_rows, train_languages)
        task_sets = TaskSets(chosen, stage, stage / "work", schema, batch_rows)
        kept, removed, gold = _stream(con, qa_path, table, schema, leaked, training, task_sets, batch_rows)
        counts: dict[str, int] = {**training.close(), "test_removed_as_leak": removed}
        built = task_sets.close()
        _refuse_all_empty(built, kept > 0, languages, splits)
        task_info = {
            name: task_sets.info(con, name, None if rows else why_empty(name, kept > 0, languages))
            for name, rows in built.items()
        }
        write_leaks(leaks, stage)
        write_split(table, leaked, stage)
    counts.update(built)
    manifest = {
        "seed": seed,
        "split_mode": "museum" if test_museums else "exhibit",
        "test_museums": sorted(test_museums),
        "val_fraction": val_fraction,
        "test_fraction": None if test_museums else test_fraction,
        "train_languages": sorted(train_languages) if train_languages else None,
        "multilanguage_gold": gold,
        **_split_facts(splits, leaks, leak_min_matches),
        "counts": counts,
        "tasks": task_info,
        "content_hash": {name: info["content_hash"] for name, info in task_info.items()},
    }
    write_json(manifest, out / "manifest.json")
    return manifest
