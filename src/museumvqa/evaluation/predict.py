"""Run an answerer over task tables and write the predictions JSONL (one line per task row).

Each distinct (question, image) is answered once. Answers are appended to a per-rank partial file as
each batch finishes, so a killed evaluation continues where it stopped. With several processes
(accelerate, or `slices`: processes or Ray tasks) each rank answers its slice (the questions of the images
that hash to it); the main process merges the slices once, in task-table order, and writes the final file
atomically.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image
from tqdm import tqdm

from museumvqa.errors import UserError
from museumvqa.evaluation.answerers import Answerer, reads_pixels
from museumvqa.images.reader import ShardImages
from museumvqa.io import write_jsonl

if TYPE_CHECKING:
    from museumvqa.evaluation.slices import Slices

PREDICTION_FIELDS = ("question_id", "exhibit_id", "task", "category", "language", "question", "answers", "image_key")
OPTIONAL_FIELDS = ("view", "museum", "continent")
READ_ROWS = 4096  # task rows read per Arrow batch


class Ranks:
    """Which slice this process answers: accelerate's state when running distributed, else `rank` of `world`
    (one process by default; a worker of `Slices` otherwise)."""

    def __init__(self, accelerator: Any = None, rank: int = 0, world: int = 1) -> None:
        self.accelerator = accelerator
        self.rank = accelerator.process_index if accelerator else rank
        self.world = accelerator.num_processes if accelerator else world

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def barrier(self) -> None:
        if self.accelerator is not None:
            self.accelerator.wait_for_everyone()


def _partial_path(out_path: Path, rank: int) -> Path:
    return out_path.with_name(f"{out_path.stem}.rank{rank}.partial.jsonl")


def _read_partial(path: Path) -> dict[tuple[str, str], str]:
    """Answers already written; a line cut off by a kill is ignored (and answered again)."""
    done: dict[tuple[str, str], str] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                continue
            done[(item["question_id"], item["image_key"])] = item["prediction"]
    return done


def _task_rows(
    task_tables: Sequence[str | Path], versions: dict[str, str], batch_rows: int
) -> Iterator[list[dict[str, Any]]]:
    """The task tables' rows in table order, `batch_rows` dicts at a time, each with its task_version. A
    column one table lacks is None in its rows (as a concatenation of the tables would give)."""
    names = pa.unify_schemas([pq.read_schema(t) for t in task_tables], promote_options="default").names
    for table in task_tables:
        for batch in pq.ParquetFile(table).iter_batches(batch_size=batch_rows):
            rows = [{name: row.get(name) for name in names} for row in batch.to_pylist()]
            for row in rows:
                row["task_version"] = versions.get(row["task"])
            yield rows


def _distinct(batches: Iterable[list[dict[str, Any]]], ranks: Ranks) -> Iterator[dict[str, Any]]:
    """This rank's share of the distinct (question, image) rows, first occurrence in table order: those whose
    image hashes to this rank, so every question of an image is answered by one rank (an answerer that
    decodes or searches once per image does so in one process only). Only the keys are held, not the rows."""
    seen: set[tuple[str, str]] = set()
    for rows in batches:
        for row in rows:
            key = (row["question_id"], row["image_key"])
            if key not in seen:
                seen.add(key)
                if ranks.world == 1 or _rank_of(row["image_key"], ranks.world) == ranks.rank:
                    yield row


def _rank_of(image_key: str | None, world: int) -> int:
    """The rank that answers an image's questions: a stable hash, the same in every process."""
    digest = hashlib.blake2b(str(image_key).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % world


def _complete(out_path: Path, batches: Iterable[list[dict[str, Any]]], answerer: Answerer, seed: int) -> bool:
    """The final file exists and answers exactly these rows, line for line in table order, with this
    answerer and settings (read side by side with the tables, so nothing is held)."""
    if not out_path.is_file():
        return False
    rows = (row for batch in batches for row in batch)
    with out_path.open(encoding="utf-8") as f:
        for line, row in itertools.zip_longest(f, rows):
            if line is None or row is None:
                return False
            p = json.loads(line)
            if p.get("model") != answerer.name or p.get("generation") != answerer.generation or p.get("seed") != seed:
                return False
            found = (p.get("task"), p.get("question_id"), p.get("image_key"), p.get("task_version"))
            if found != (row["task"], row["question_id"], row["image_key"], row["task_version"]):
                return False
    return True


def predict(
    task_tables: Sequence[str | Path],
    shards_dir: str | Path,
    answerer: Answerer,
    out_path: str | Path,
    batch_size: int = 16,
    progress: bool = True,
    seed: int = 0,
    task_versions: dict[str, str] | None = None,
    accelerator: Any = None,
    slices: Slices | None = None,
) -> Path:
    """Answer every row of the task tables; returns the predictions file (reused if already complete).

    With `slices`, its workers (processes or Ray tasks, each with its own answerer) answer the slices and
    this process only merges; `answerer` names the predictions and gives their prompts.
    The tables are read in Arrow batches, a few times over, rather than held: memory grows with the
    distinct (question, image) keys and their answers, not with whole rows."""
    out_path = Path(out_path)
    ranks = Ranks(accelerator)
    versions = task_versions or {}

    def batches() -> Iterator[list[dict[str, Any]]]:
        return _task_rows(task_tables, versions, READ_ROWS)

    if _complete(out_path, batches(), answerer, seed):
        return out_path
    if slices is None:
        answer_slice(task_tables, shards_dir, answerer, out_path, batch_size, progress, seed, versions, ranks)
        world = ranks.world
    else:
        if ranks.world > 1:
            raise UserError("evaluate: --workers/--ray split the questions themselves; run without accelerate launch")
        slices.answer(task_tables, shards_dir, out_path, batch_size, seed, versions)
        world = slices.workers
    ranks.barrier()
    if ranks.is_main:
        _merge(batches, answerer, out_path, seed, world)
    ranks.barrier()
    return out_path


def answer_slice(
    task_tables: Sequence[str | Path],
    shards_dir: str | Path,
    answerer: Answerer,
    out_path: Path,
    batch_size: int,
    progress: bool,
    seed: int,
    task_versions: dict[str, str],
    ranks: Ranks,
) -> None:
    """Answer `ranks`' slice of the distinct (question, image) rows into its partial file, after the answers
    it already holds (a killed run's)."""
    import torch

    def batches() -> Iterator[list[dict[str, Any]]]:
        return _task_rows(task_tables, task_versions, READ_ROWS)

    partial = _partial_path(out_path, ranks.rank)
    done = _read_partial(partial)
    items, answered, todo_images = 0, 0, set()
    for row in _distinct(batches(), ranks):
        items += 1
        if (row["question_id"], row["image_key"]) in done:
            answered += 1
        else:
            todo_images.add(row["image_key"])
    todo = (row for row in _distinct(batches(), ranks) if (row["question_id"], row["image_key"]) not in done)
    torch.manual_seed(seed)
    partial.parent.mkdir(parents=True, exist_ok=True)
    desc = f"answer {answerer.name}" + (f" [rank {ranks.rank}]" if ranks.world > 1 else "")
    try:
        with (
            partial.open("a", encoding="utf-8") as sink,
            tqdm(total=items, initial=answered, desc=desc, unit="q", disable=not progress) as bar,
        ):
            # one pass over the shard headers; none for an answerer that reads no pixels (it is given no images)
            images = ShardImages(shards_dir, todo_images) if reads_pixels(answerer) else None
            while batch := list(itertools.islice(todo, batch_size)):
                pictures = _pictures(images, batch) if images is not None else []
                answers = answerer.answer_rows(batch, pictures)
                for row, answer in zip(batch, answers):
                    item = {"question_id": row["question_id"], "image_key": row["image_key"], "prediction": answer}
                    sink.write(json.dumps(item, ensure_ascii=False) + "\n")
                sink.flush()
                bar.update(len(batch))
    except UserError:
        if not done:  # a refused run leaves nothing; answers kept from a killed earlier run stay for its resume
            partial.unlink(missing_ok=True)
        raise


def _merge(
    batches: Callable[[], Iterator[list[dict[str, Any]]]], answerer: Answerer, out_path: Path, seed: int, world: int
) -> None:
    """The final file from the `world` slices' partial files, in task-table order, written atomically; the
    partial files are then removed."""
    predictions: dict[tuple[str, str], str] = {}
    for rank in range(world):
        predictions.update(_read_partial(_partial_path(out_path, rank)))
    write_jsonl(
        (
            {
                **{f: row[f] for f in PREDICTION_FIELDS},
                **{f: row[f] for f in OPTIONAL_FIELDS if row.get(f) is not None},
                "task_version": row["task_version"],
                "prediction": predictions[(row["question_id"], row["image_key"])],
                "model": answerer.name,
                "prompt": answerer.prompt(row),
                "generation": answerer.generation,
                "seed": seed,
            }
            for rows in batches()
            for row in rows
        ),
        out_path,
    )
    for rank in range(world):
        _partial_path(out_path, rank).unlink(missing_ok=True)


def _pictures(images: ShardImages, batch: list[dict[str, Any]]) -> list[Image.Image]:
    """The batch's images, each distinct image decoded once (a batch often asks several questions of one)."""
    decoded = {key: images[key] for key in dict.fromkeys(row["image_key"] for row in batch)}
    return [decoded[row["image_key"]] for row in batch]
