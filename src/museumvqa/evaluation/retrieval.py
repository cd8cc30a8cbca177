"""Catalogue retrieval: find the indexed image most like the photograph, answer from that exhibit's
record. It needs no model, and shows what knowing the catalogue buys: a second photograph of a known
painting (MultiAngle) or a fact not in the pixels (unanswerable) is answered from the record. Images are
compared by images/similarity.py's feature (no download, no model), as serving does.

`baseline:retrieval` indexes the training exhibits only: a fair baseline. `oracle:catalogue` indexes the
test exhibits' records too (what a museum knows about its own collection): it reads the answers it is
scored on, so it is an oracle, an upper reference, never a baseline to beat.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
from PIL import Image

from museumvqa.evaluation.majority import majority_answers
from museumvqa.images.reader import iter_samples
from museumvqa.images.similarity import FEATURE_SIZE, image_feature, nearest


class RetrievalBaseline:
    """Nearest image by `image_feature`, then that exhibit's answer for the question's category (same
    language first); the training majority of the question's (category, language) when the record has none.

    With no `record_tables` it searches the training exhibits only (`baseline:retrieval`). With the
    catalogue's other tables (val and test records) it is `oracle:catalogue`: never the very image asked
    about, but on MultiAngle a second view finds its exhibit's main view, which is what knowing the
    catalogue buys.
    """

    reads_pixels = True

    def __init__(
        self,
        train_table: str | Path,
        shards_dir: str | Path,
        record_tables: Sequence[str | Path] = (),
        name: str = "baseline:retrieval",
    ) -> None:
        self.name = name
        searched = "every catalogued exhibit, test records included" if record_tables else "training exhibits"
        self.majority = majority_answers(train_table)
        self.generation = {
            "method": f"nearest image among {searched} (colour histogram + grey thumbnail)",
            "when_the_record_has_no_answer": "the training majority of the question's (category, language)",
            **self.majority.coverage(),
        }
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
        self.features = np.stack(features) if features else np.zeros((0, FEATURE_SIZE))

    def prompt(self, row: dict[str, Any]) -> str:
        return row["category"]

    def nearest(self, image: Image.Image, exclude_key: str | None = None) -> str | None:
        """The exhibit id of the most similar indexed image other than `exclude_key` (lowest index on ties)."""
        found = nearest(self.features, image, self.keys.index(exclude_key) if exclude_key in self.keys else None)
        if found is None or np.isneginf(found[1]):
            return None
        return self.exhibits[found[0]]

    def answer_rows(self, rows: Sequence[dict[str, Any]], images: Sequence[Image.Image]) -> list[str]:
        answers = []
        for row, image in zip(rows, images):
            exhibit = self.nearest(image, row.get("image_key"))
            answer = self.record.get((exhibit, row["category"], row["language"])) or self.record.get(
                (exhibit, row["category"], "*")
            )
            answers.append(answer or self.majority.answer(row["category"], row["language"]))
        return answers
