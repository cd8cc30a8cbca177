"""Run an answerer over task tables and write the predictions JSONL (one line per task row).

Each distinct (question, image) is answered once. Answers are appended to a per-rank partial file as
each batch finishes, so a killed evaluation continues where it stopped. With several processes
(accelerate) each rank answers its slice (items rank, rank + world, ...); the main process merges the
slices once, in task-table order, and writes the final file atomically.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from museumvqa.errors import UserError
from museumvqa.evaluation.answerers import Answerer, reads_pixels
from museumvqa.images.reader import ShardImages
from museumvqa.io import write_jsonl

PREDICTION_FIELDS = ("question_id", "exhibit_id", "task", "category", "language", "question", "answers", "image_key")
OPTIONAL_FIELDS = ("view", "museum", "continent")


class Ranks:
    """Which process this is: one process by default; accelerate's state when running distributed."""

    def __init__(self, accelerator: Any = None) -> None:
        self.accelerator = accelerator
        self.rank = accelerator.process_index if accelerator else 0
        self.world = accelerator.num_processes if accelerator else 1

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


def _complete(out_path: Path, rows: list[dict[str, Any]], answerer: Answerer, seed: int) -> bool:
    """The final file exists and answers exactly these rows with this answerer and settings."""
    if not out_path.is_file():
        return False
    wanted = {(r["task"], r["question_id"], r["image_key"], r.get("task_version")) for r in rows}
    found = set()
    with out_path.open(encoding="utf-8") as f:
        for line in f:
            p = json.loads(line)
            if p.get("model") != answerer.name or p.get("generation") != answerer.generation or p.get("seed") != seed:
                return False
            found.add((p.get("task"), p.get("question_id"), p.get("image_key"), p.get("task_version")))
    return found == wanted


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
) -> Path:
    """Answer every row of the task tables; returns the predictions file (reused if already complete)."""
    import torch

    out_path = Path(out_path)
    ranks = Ranks(accelerator)
    tables = pa.concat_tables([pq.read_table(t) for t in task_tables], promote_options="default")
    rows = tables.to_pylist()
    for row in rows:
        row["task_version"] = (task_versions or {}).get(row["task"])
    if _complete(out_path, rows, answerer, seed):
        return out_path
    distinct: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        distinct.setdefault((row["question_id"], row["image_key"]), row)
    items = list(distinct.values())[ranks.rank :: ranks.world]
    partial = _partial_path(out_path, ranks.rank)
    done = _read_partial(partial)
    todo = [row for row in items if (row["question_id"], row["image_key"]) not in done]
    torch.manual_seed(seed)
    partial.parent.mkdir(parents=True, exist_ok=True)
    desc = f"answer {answerer.name}" + (f" [rank {ranks.rank}]" if ranks.world > 1 else "")
    try:
        with (
            partial.open("a", encoding="utf-8") as sink,
            tqdm(total=len(items), initial=len(items) - len(todo), desc=desc, unit="q", disable=not progress) as bar,
        ):
            # one pass over the shard headers; none for an answerer that reads no pixels (it is given no images)
            images = ShardImages(shards_dir, {row["image_key"] for row in todo}) if reads_pixels(answerer) else None
            for start in range(0, len(todo), batch_size):
                batch = todo[start : start + batch_size]
                pictures = [images[row["image_key"]] for row in batch] if images is not None else []
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
    ranks.barrier()
    if ranks.is_main:
        predictions: dict[tuple[str, str], str] = {}
        for rank in range(ranks.world):
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
                for row in rows
            ),
            out_path,
        )
        for rank in range(ranks.world):
            _partial_path(out_path, rank).unlink(missing_ok=True)
    ranks.barrier()
    return out_path
