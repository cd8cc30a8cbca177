"""Catalogue retrieval baseline: find the training image most like the photograph, answer from that
exhibit's record. It needs no model, and shows what knowing the catalogue buys: a second photograph of
a known painting (MultiAngle) or a fact not in the pixels (unanswerable) is answered from the record.

Image feature: a 4x4x4 RGB colour histogram and a 16x16 grey thumbnail (mean-removed), each unit
length, concatenated; similarity is their dot product. No download, no model.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
from PIL import Image

from museumvqa.images.reader import iter_samples


def image_feature(image: Image.Image) -> np.ndarray:
    """Colour histogram + grey layout, 64 + 256 values, each half unit length."""
    rgb = np.asarray(image.convert("RGB").resize((64, 64), Image.Resampling.BILINEAR), dtype=np.int64) // 64
    bins = np.bincount((rgb[..., 0] * 16 + rgb[..., 1] * 4 + rgb[..., 2]).ravel(), minlength=64).astype(float)
    grey = np.asarray(image.convert("L").resize((16, 16), Image.Resampling.BILINEAR), dtype=float).ravel()
    grey -= grey.mean()
    parts = [bins / (np.linalg.norm(bins) or 1.0), grey / (np.linalg.norm(grey) or 1.0)]
    return np.concatenate(parts)


class RetrievalBaseline:
    """Nearest image by `image_feature`, then that exhibit's answer for the question's category (same
    language first); the category's majority training answer when the record has none.

    `baseline:retrieval` searches the training exhibits only. `baseline:catalogue` searches every
    exhibit of the catalogue (train, val and test records: what a museum knows about its own
    collection), never the very image asked about: on MultiAngle a second view finds its exhibit's main
    view, which is what knowing the catalogue buys.
    """

    def __init__(
        self,
        train_table: str | Path,
        shards_dir: str | Path,
        record_tables: Sequence[str | Path] = (),
        name: str = "baseline:retrieval",
    ) -> None:
        from museumvqa.evaluation.answerers import majority_answers

        self.name = name
        searched = "every catalogued exhibit" if record_tables else "training exhibits"
        self.generation = {"method": f"nearest image among {searched} (colour histogram + grey thumbnail)"}
        self.majority = majority_answers(train_table)
        rows = [row for table in (train_table, *record_tables) for row in pq.read_table(table).to_pylist()]
        self.record: dict[tuple[str, str, str], str] = {}
        for row in rows:
            self.record.setdefault((row["exhibit_id"], row["category"], row["language"]), row["answers"][0])
            self.record.setdefault((row["exhibit_id"], row["category"], "*"), row["answers"][0])
        exhibit_of = {row["image_key"]: row["exhibit_id"] for row in rows}
        features, self.keys, self.exhibits = [], [], []
        for sample in iter_samples(shards_dir, set(exhibit_of)):
            features.append(image_feature(sample.image))
            self.keys.append(sample.key)
            self.exhibits.append(exhibit_of[sample.key])
        self.features = np.stack(features) if features else np.zeros((0, 320))

    def prompt(self, row: dict[str, Any]) -> str:
        return row["category"]

    def nearest(self, image: Image.Image, exclude_key: str | None = None) -> str | None:
        """The exhibit id of the most similar indexed image other than `exclude_key` (lowest index on ties)."""
        similarity = self.features @ image_feature(image)
        if exclude_key in self.keys:
            similarity[self.keys.index(exclude_key)] = -np.inf
        if not len(similarity) or np.isneginf(similarity.max()):
            return None
        return self.exhibits[int(np.argmax(similarity))]

    def answer_rows(self, rows: Sequence[dict[str, Any]], images: Sequence[Image.Image]) -> list[str]:
        answers = []
        for row, image in zip(rows, images):
            exhibit = self.nearest(image, row.get("image_key"))
            answer = self.record.get((exhibit, row["category"], row["language"])) or self.record.get(
                (exhibit, row["category"], "*")
            )
            answers.append(answer or self.majority.get(row["category"], ""))
        return answers
