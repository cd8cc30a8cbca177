"""Every QA exhibit's image views, split, museum and continent as arrays over the exhibits sorted by id.

The benchmark build needs these for each exhibit while the QA pairs stream past: as dicts of strings they
cost ~0.7 KB an exhibit (7 GB at 10M exhibits); as Arrow columns and small integer codes, tens of bytes.
An exhibit is named by its row here (its position among the sorted ids): DuckDB joins each QA pair to it.
Python objects are made only for the rows of one batch.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from museumvqa.tasks.registry import Views
from museumvqa.tasks.split import SPLITS


@dataclass(frozen=True)
class Coded:
    """A string per exhibit as a small integer code into `names` (a million exhibits hold a few hundred)."""

    codes: np.ndarray
    names: list[str | None]

    def take(self, rows: np.ndarray) -> pa.Array:
        """The strings of exhibit `rows` (-1, or a code of -1: null)."""
        codes = self.codes[rows]
        return pa.array(self.names, pa.string()).take(pa.array(codes, mask=(rows < 0) | (codes < 0)))


@dataclass(frozen=True)
class ImageViews:
    """Each exhibit's views as a slice (`start`, `count`; -1: no main view) of two columns, main view first."""

    keys: pa.Array
    labels: pa.Array
    start: np.ndarray
    count: np.ndarray

    @classmethod
    def of(cls, count: int, table: pa.Table) -> ImageViews:
        """The views of `count` exhibits from `table` (views.view_table: sorted by exhibit row)."""
        exhibit = table["exhibit"].to_numpy()
        starts = np.flatnonzero(np.diff(exhibit, prepend=-1))
        start = np.full(count, -1, np.int64)
        count_of = np.zeros(count, np.int32)
        start[exhibit[starts]] = starts
        count_of[exhibit[starts]] = np.diff(np.append(starts, len(exhibit)))
        return cls(table["key"].combine_chunks(), table["view"].combine_chunks(), start, count_of)

    def main_keys(self, rows: np.ndarray) -> pa.Array:
        """The main view's image key of exhibit `rows` (-1, or no image: null)."""
        start = np.where(rows < 0, -1, self.start[rows])
        return self.keys.take(pa.array(start, mask=start < 0))

    def rows_of(self, rows: np.ndarray) -> np.ndarray:
        """The view rows of the exhibit `rows` (each with an image), exhibit after exhibit."""
        start, count = self.start[rows], self.count[rows]
        return np.repeat(start - np.cumsum(count) + count, count) + np.arange(count.sum())


@dataclass(frozen=True)
class Exhibits:
    """The QA table's exhibits sorted by id, and what each QA pair takes from its exhibit."""

    ids: pa.Array
    views: ImageViews
    split: Coded  # SPLITS; -1 for an exhibit without an image
    museum: Coded
    continent: Coded

    def columns(self, rows: np.ndarray) -> dict[str, pa.Array]:
        """The exhibit columns of QA pairs on exhibit `rows` (-1: an exhibit not in the table)."""
        return {
            "image_key": self.views.main_keys(rows),
            "split": self.split.take(rows),
            "museum": self.museum.take(rows),
            "continent": self.continent.take(rows),
        }

    def views_of(self, rows: np.ndarray) -> Views:
        """exhibit id -> [(image key, view)] of the exhibit `rows` (with images), as the task sets take them."""
        rows = np.unique(rows)
        ids = self.ids.take(pa.array(rows)).to_pylist()
        at = self.views.rows_of(rows)
        keys = self.views.keys.take(pa.array(at)).to_pylist()
        labels = self.views.labels.take(pa.array(at)).to_pylist()
        views: Views = {}
        end = 0
        for exhibit_id, n in zip(ids, self.views.count[rows].tolist()):
            views[exhibit_id] = list(zip(keys[end : end + n], labels[end : end + n]))
            end += n
        return views

    def with_images(self) -> np.ndarray:
        """The rows of the exhibits with a main view: the ones split."""
        return np.flatnonzero(self.views.start >= 0)

    def images(self) -> Iterator[tuple[str, str, str]]:
        """(image key, exhibit id, split) of every view of every split exhibit, exhibit by exhibit."""
        rows = self.with_images()
        counts = self.views.count[rows]
        owners = np.repeat(rows, counts)
        keys = self.views.keys.take(pa.array(self.views.rows_of(rows))).to_pylist()
        yield from zip(keys, self.ids.take(pa.array(owners)).to_pylist(), self.split.take(owners).to_pylist())

    def split_counts(self) -> dict[str, int]:
        """Exhibits per split."""
        counts = np.bincount(self.split.codes[self.split.codes >= 0], minlength=len(SPLITS))
        return {name: int(n) for name, n in zip(SPLITS, counts)}
