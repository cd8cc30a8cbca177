"""The museum's own catalogue, held in memory for serving: every record, every shard image's
feature (to recognise a photographed exhibit), and the images themselves (for the record card).

Identification is the retrieval baseline's nearest-image search (images/similarity.py): no model, no
download, and the same numbers the evaluation reports for `oracle:catalogue`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from museumvqa.catalog.schema import Exhibit, exhibit_from_row
from museumvqa.errors import UserError
from museumvqa.images.process import encode_jpeg
from museumvqa.images.reader import iter_samples
from museumvqa.images.similarity import image_feature, nearest
from museumvqa.inputs import run_folder
from museumvqa.io import read_parquet_dir
from museumvqa.layout import RunLayout


@dataclass(frozen=True)
class Match:
    exhibit_id: str
    image_key: str
    similarity: float


class Catalogue:
    """Records by id, and the shard images to match a photograph against."""

    def __init__(
        self,
        exhibits: dict[str, Exhibit],
        keys: list[str],
        owners: list[str],
        features: np.ndarray,
        jpegs: dict[str, bytes],
    ) -> None:
        self.exhibits = exhibits
        self.keys = keys
        self.owners = owners
        self.features = features
        self.jpegs = jpegs
        self.image_of = {owner: key for key, owner in reversed(list(zip(keys, owners)))}  # first image wins

    @classmethod
    def load(cls, run_dir: str | Path) -> Catalogue:
        """A run folder's `exhibits/` and `shards/`; images of exhibits not in the records are skipped."""
        layout = RunLayout(Path(run_dir))
        run_folder(layout.root, "--catalog", ("exhibits", "shards"))
        exhibits = {}
        for row in read_parquet_dir(layout.exhibits).to_pylist():
            exhibit = exhibit_from_row(row)
            exhibits[exhibit.exhibit_id] = exhibit
        keys, owners, features, jpegs = [], [], [], {}
        for sample in iter_samples(layout.shards):
            if sample.exhibit_id in exhibits:
                keys.append(sample.key)
                owners.append(sample.exhibit_id)
                features.append(image_feature(sample.image))
                jpegs[sample.key] = encode_jpeg(sample.image)
        if not keys:
            raise UserError(f"{layout.shards}: no images of the catalogued exhibits")
        return cls(exhibits, keys, owners, np.stack(features), jpegs)

    def identify(self, image: Image.Image, exclude_key: str | None = None) -> Match:
        """The most similar catalogue image (cosine of the retrieval feature, in [-1, 1]); `exclude_key`
        leaves one image out, as the evaluation does so that a test photo never finds itself."""
        found = nearest(self.features, image, self.keys.index(exclude_key) if exclude_key in self.jpegs else None)
        assert found is not None, "a loaded catalogue has images"
        best, similarity = found
        return Match(self.owners[best], self.keys[best], similarity)
