"""easy-vqa's images and questions as a run's real files: exhibits, image shards and QA tables.

The training tests of LoRA, resuming and the experiments read their data the way `museumvqa train`
does (Parquet QA tables whose `image_key`s are in webdataset shards), from a data set a tiny model
can learn something from in seconds.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from museumvqa.catalog.schema import EXHIBIT_SCHEMA, Exhibit, ImageRef, exhibit_to_row
from museumvqa.images.shards import build_shards
from museumvqa.io import write_parquet
from museumvqa.settings import ShardsConfig

QA_SCHEMA = pa.schema(
    [
        ("question_id", pa.string()),
        ("exhibit_id", pa.string()),
        ("category", pa.string()),
        ("language", pa.string()),
        ("question", pa.string()),
        ("answers", pa.list_(pa.string())),
        ("visual", pa.bool_()),
        ("image_key", pa.string()),
    ]
)


@dataclass(frozen=True)
class RunTables:
    train: Path
    val: Path
    shards: Path


def easy_vqa_run(folder: Path, train_images: int, val_images: int, seed: int = 0) -> RunTables:
    """`train_images` and `val_images` distinct easy-vqa images (train split), their questions and shards."""
    root = files("easy_vqa") / "data" / "train"
    questions = json.loads((root / "questions.json").read_text())
    ids = random.Random(seed).sample(sorted({image_id for _, _, image_id in questions}), train_images + val_images)
    exhibits = [
        Exhibit(
            f"easy:{i}", "easy-vqa", "easy-vqa", "questions.json", images=[ImageRef(str(root / "images" / f"{i}.png"))]
        )
        for i in ids
    ]
    write_parquet(
        pa.Table.from_pylist([exhibit_to_row(e) for e in exhibits], EXHIBIT_SCHEMA),
        folder / "exhibits" / "part-00000.parquet",
    )
    build_shards(folder / "exhibits", folder / "shards", ShardsConfig(image_size=64), progress=False)
    keys = {r["exhibit_id"]: r["key"] for r in pq.read_table(folder / "shards" / "index.parquet").to_pylist()}
    split = {image_id: "train" if n < train_images else "val" for n, image_id in enumerate(ids)}
    rows: dict[str, list[dict]] = {"train": [], "val": []}
    for number, (question, answer, image_id) in enumerate(questions):
        if image_id in split:
            exhibit = f"easy:{image_id}"
            rows[split[image_id]].append(
                {
                    "question_id": f"q{number}",
                    "exhibit_id": exhibit,
                    "category": "easy-vqa",
                    "language": "en",
                    "question": question,
                    "answers": [answer],
                    "visual": True,
                    "image_key": keys[exhibit],
                }
            )
    for name, table_rows in rows.items():
        write_parquet(pa.Table.from_pylist(table_rows, QA_SCHEMA), folder / "questions" / f"{name}.parquet")
    return RunTables(folder / "questions" / "train.parquet", folder / "questions" / "val.parquet", folder / "shards")
