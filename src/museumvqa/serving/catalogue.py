"""The museum's own catalogue, held in memory for serving: every record, every shard image's fingerprint
(to recognise a photographed exhibit), and the images themselves (for the record card).

Recognition is open-set (images/recognition.py, serving/open_set.py): the photo's best match must have
`min_inliers` keypoint matches agreeing on one camera mapping, else the photo shows nothing of this
collection and `identify` says so (None) rather than naming the least unlike painting. No model, no
download.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from museumvqa.catalog.schema import Exhibit, exhibit_from_row
from museumvqa.errors import UserError
from museumvqa.images.process import encode_jpeg
from museumvqa.images.reader import iter_samples
from museumvqa.images.recognition import ImageIndex
from museumvqa.inputs import run_folder
from museumvqa.io import read_parquet_dir
from museumvqa.layout import RunLayout
from museumvqa.serving.open_set import Threshold, load_threshold

# benchmarks/serving/bench_open_set.py on the 174 sample paintings (BENCHMARKS.md, "Open-set recognition"):
# calibrated on 96-, 224- and 384-px shards it chose 15, 12 and 14; the largest serves all three (at 224 px:
# precision 1.000, recall 0.989; at 384 px: 1.000, 0.994). No negative there scored above 10.
CALIBRATED = Threshold(
    min_inliers=15,
    precision=1.0,
    recall=0.983,
    false_accepts=0.0,
    measured_on="174 Met sample paintings as 96-px shards, half indexed (seed 0): 174 visitor photos, 285 negatives",
)


@dataclass(frozen=True)
class Match:
    """A recognised exhibit: the catalogue image matched, the keypoint matches agreeing on one camera
    mapping (the score the threshold reads) and the global feature's cosine (in [-1, 1], for reference)."""

    exhibit_id: str
    image_key: str
    inliers: int
    similarity: float


class Catalogue:
    """Records by id, and the shard images to match a photograph against."""

    def __init__(
        self,
        exhibits: dict[str, Exhibit],
        keys: list[str],
        owners: list[str],
        jpegs: dict[str, bytes],
        index: ImageIndex,
        min_inliers: int = CALIBRATED.min_inliers,
    ) -> None:
        self.exhibits = exhibits
        self.keys = keys
        self.owners = owners
        self.jpegs = jpegs
        self.index = index
        self.min_inliers = min_inliers
        self.owner_of = dict(zip(keys, owners))
        self.image_of = {owner: key for key, owner in reversed(list(zip(keys, owners)))}  # first image wins

    @classmethod
    def load(cls, run_dir: str | Path, min_inliers: int | None = None) -> Catalogue:
        """A run folder's `exhibits/` and `shards/`; images of exhibits not in the records are skipped.
        `min_inliers` None: the threshold `museumvqa calibrate` saved for this catalogue, else `CALIBRATED`."""
        exhibits, images = catalogue_images(run_dir)
        keys, owners, jpegs, index = [], [], {}, ImageIndex()
        for key, (owner, image) in images.items():
            keys.append(key)
            owners.append(owner)
            index.add(key, image)
            jpegs[key] = encode_jpeg(image)
        if min_inliers is None:
            saved = load_threshold(RunLayout(Path(run_dir)).open_set)
            min_inliers = (saved or CALIBRATED).min_inliers
        return cls(exhibits, keys, owners, jpegs, index, min_inliers)

    def identify(self, image: Image.Image, exclude_key: str | None = None) -> Match | None:
        """The catalogue image showing the photographed object, or None when no image reaches `min_inliers`
        (not in this collection); `exclude_key` leaves one image out, as the evaluation does so that a test
        photo never finds itself."""
        found = self.index.best(image, exclude_key)
        if found is None or found.inliers < self.min_inliers:
            return None
        return Match(self.owner_of[found.key], found.key, found.inliers, found.similarity)


def catalogue_images(run_dir: str | Path) -> tuple[dict[str, Exhibit], dict[str, tuple[str, Image.Image]]]:
    """A run folder's records by exhibit id, and its shard images of those exhibits (key -> (exhibit id,
    image), first copy of a key wins, shard order)."""
    layout = RunLayout(Path(run_dir))
    run_folder(layout.root, "--catalog", ("exhibits", "shards"))
    exhibits = {}
    for row in read_parquet_dir(layout.exhibits).to_pylist():
        exhibit = exhibit_from_row(row)
        exhibits[exhibit.exhibit_id] = exhibit
    images: dict[str, tuple[str, Image.Image]] = {}
    for sample in iter_samples(layout.shards):
        if sample.exhibit_id in exhibits and sample.key not in images:
            images[sample.key] = (sample.exhibit_id, sample.image)
    if not images:
        raise UserError(f"{layout.shards}: no images of the catalogued exhibits")
    return exhibits, images
