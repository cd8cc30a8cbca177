"""Catalogue retrieval: find the indexed image most like the photograph, answer from that exhibit's
record. It needs no model, and shows what knowing the catalogue buys: a second photograph of a known
painting (MultiAngle) or a fact not in the pixels (unanswerable) is answered from the record. Images are
compared by images/similarity.py's feature (no download, no model), as serving does.

`baseline:retrieval` indexes the training exhibits only: a fair baseline. `oracle:catalogue` indexes the
test exhibits' records too (what a museum knows about its own collection): it reads the answers it is
scored on, so it is an oracle, an upper reference, never a baseline to beat.

From `EXACT_SEARCH_BELOW` indexed images on, the search is approximate (evaluation/ann.py's inverted
file): a scan per distinct image no longer fits at that size. Below it, exact, as before. Each prediction's
`generation["search"]` says which.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
from PIL import Image

from museumvqa.evaluation.ann import EXACT_SEARCH_BELOW, InvertedFileIndex
from museumvqa.evaluation.majority import majority_answers
from museumvqa.images.reader import iter_samples
from museumvqa.images.similarity import FEATURE_SIZE, image_feature, nearest

CACHED_SEARCHES = 1 << 16  # (feature, excluded image) -> exhibit: a few MB, far more than one batch's images


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
        exact_below: int = EXACT_SEARCH_BELOW,
    ) -> None:
        self.name = name
        searched = "every catalogued exhibit, test records included" if record_tables else "training exhibits"
        self.majority = majority_answers(train_table)
        self.generation = {
            "method": f"nearest image among {searched} (colour histogram + grey thumbnail)",
            "when_the_record_has_no_answer": "the training majority of the question's (category, language)",
            **self.majority.coverage(),
        }
        self.record: dict[tuple[str, str, str], str] = {}
        exhibit_of: dict[str, str] = {}
        for exhibit, category, language, answer, key in _record_columns((train_table, *record_tables)):
            self.record.setdefault((exhibit, category, language), answer)
            self.record.setdefault((exhibit, category, "*"), answer)
            exhibit_of[key] = exhibit
        features, self.keys, self.exhibits = [], [], []
        for sample in iter_samples(shards_dir, set(exhibit_of)):
            features.append(image_feature(sample.image))
            self.keys.append(sample.key)
            self.exhibits.append(exhibit_of[sample.key])
        stacked = np.stack(features) if features else np.zeros((0, FEATURE_SIZE))
        del features  # before the index copies them: one float64 matrix at a time, not the list too
        # Exact: the feature matrix itself is scanned. Approximate: only the index's float32 copy is kept.
        self.index: np.ndarray | InvertedFileIndex = (
            stacked if len(stacked) < exact_below else InvertedFileIndex(stacked)
        )
        self.generation["search"] = (
            self.index.describe()
            if isinstance(self.index, InvertedFileIndex)
            else {"kind": "exact: every indexed image scored"}
        )
        self._row_of = {key: row for row, key in enumerate(self.keys)}
        self._found: OrderedDict[tuple[bytes, int | None], str | None] = OrderedDict()

    def prompt(self, row: dict[str, Any]) -> str:
        return row["category"]

    def nearest(self, image: Image.Image, exclude_key: str | None = None) -> str | None:
        """The exhibit id of the most similar indexed image other than `exclude_key` (lowest index on ties)."""
        return self._nearest_to(image_feature(image), exclude_key)

    def _nearest_to(self, feature: np.ndarray, exclude_key: str | None) -> str | None:
        """`nearest`, scanning the index once per distinct (image feature, excluded image) rather than once
        per question: the questions asked of one image share the search. The exact scan is
        `similarity.nearest`'s own, so ties and rounding are exactly a per-question scan's."""
        exclude = self._row_of.get(exclude_key) if exclude_key is not None else None
        cache_key = (hashlib.blake2b(feature.tobytes(), digest_size=16).digest(), exclude)
        if cache_key in self._found:
            self._found.move_to_end(cache_key)
            return self._found[cache_key]
        if isinstance(self.index, InvertedFileIndex):
            found = self.index.nearest(feature, exclude)
        else:
            found = nearest(self.index, feature, exclude)
        exhibit = None if found is None or np.isneginf(found[1]) else self.exhibits[found[0]]
        self._found[cache_key] = exhibit
        if len(self._found) > CACHED_SEARCHES:
            self._found.popitem(last=False)
        return exhibit

    def answer_rows(self, rows: Sequence[dict[str, Any]], images: Sequence[Image.Image]) -> list[str]:
        features: dict[int, np.ndarray] = {}  # one feature per image object: predict hands one per distinct image
        answers = []
        for row, image in zip(rows, images):
            if id(image) not in features:
                features[id(image)] = image_feature(image)
            exhibit = self._nearest_to(features[id(image)], row.get("image_key"))
            answer = self.record.get((exhibit, row["category"], row["language"])) or self.record.get(
                (exhibit, row["category"], "*")
            )
            answers.append(answer or self.majority.answer(row["category"], row["language"]))
        return answers


def _record_columns(tables: Sequence[str | Path]) -> Iterator[tuple[str, str, str, str, str]]:
    """(exhibit_id, category, language, first answer, image_key) of every row, in table order, read a
    row group at a time and only these columns: the index never holds a whole table as dicts."""
    columns = ["exhibit_id", "category", "language", "answers", "image_key"]
    for table in tables:
        for batch in pq.ParquetFile(table).iter_batches(columns=columns):
            yield from zip(
                batch.column("exhibit_id").to_pylist(),
                batch.column("category").to_pylist(),
                batch.column("language").to_pylist(),
                pc.list_element(batch.column("answers"), 0).to_pylist(),
                batch.column("image_key").to_pylist(),
            )
