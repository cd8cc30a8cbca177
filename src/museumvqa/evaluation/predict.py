"""Run an answerer over task tables and write the predictions JSONL (one line per question and task)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from museumvqa.evaluation.answerers import Answerer
from museumvqa.images.reader import load_images
from museumvqa.io import write_jsonl

PREDICTION_FIELDS = ("question_id", "exhibit_id", "task", "category", "language", "question", "answers")


def predict(
    task_tables: Sequence[str | Path],
    shards_dir: str | Path,
    answerer: Answerer,
    out_path: str | Path,
    batch_size: int = 16,
    progress: bool = True,
) -> Path:
    """Answer each distinct question once, then write one line per (task, question)."""
    tables = pa.concat_tables([pq.read_table(t) for t in task_tables], promote_options="default")
    rows = tables.to_pylist()
    distinct: dict[str, dict] = {}
    for row in rows:
        distinct.setdefault(row["question_id"], row)
    questions = list(distinct.values())
    predictions: dict[str, str] = {}
    with tqdm(total=len(questions), desc=f"answer {answerer.name}", unit="q", disable=not progress) as bar:
        for start in range(0, len(questions), batch_size):
            batch = questions[start : start + batch_size]
            images = load_images(shards_dir, {row["image_key"] for row in batch})
            answers = answerer.answer_rows(batch, [images[row["image_key"]] for row in batch])
            predictions.update((row["question_id"], answer) for row, answer in zip(batch, answers))
            bar.update(len(batch))
    return write_jsonl(
        (
            {
                **{f: row[f] for f in PREDICTION_FIELDS},
                "prediction": predictions[row["question_id"]],
                "model": answerer.name,
            }
            for row in rows
        ),
        out_path,
    )
