"""Generated MultiAngle views, perceptual hashes and resize modes, on real Met paintings."""

from __future__ import annotations

import io

import numpy as np
import pyarrow.parquet as pq
import pytest
from PIL import Image

from museumvqa.catalog.schema import ImageRef
from museumvqa.images.keys import sample_key
from museumvqa.images.phash import hamming, phash
from museumvqa.images.process import load_image, resize
from museumvqa.images.shards import build_shards
from museumvqa.images.views import VIEW_KINDS, generated_views
from museumvqa.settings import ShardsConfig


def test_generated_views_are_deterministic_and_differ(met_data) -> None:
    img = resize(load_image(met_data / "36029.jpg"), 128)
    views = generated_views(img, 5, "seed-a")
    assert [label for label, _ in views] == [f"generated:{k}" for k in (*VIEW_KINDS, VIEW_KINDS[0])]
    again = generated_views(img, 5, "seed-a")
    assert all(a.tobytes() == b.tobytes() for (_, a), (_, b) in zip(views, again))
    other = generated_views(img, 1, "seed-b")[0][1]
    assert other.tobytes() != views[0][1].tobytes()  # another key, another crop
    for _, view in views:
        assert view.mode == "RGB" and view.size == img.size and view.tobytes() != img.tobytes()


def test_build_adds_flagged_views_only_for_single_photo_exhibits(tmp_path, met_data, exhibits_folder) -> None:
    paintings = sorted(met_data.glob("*.jpg"))
    specs = [
        ("met:1.1", [ImageRef(str(paintings[0]))]),
        ("met:2.2", [ImageRef(str(paintings[1])), ImageRef(str(paintings[2]), "additional", "back")]),
    ]
    folder = exhibits_folder(specs)
    stats = build_shards(folder, tmp_path / "a", ShardsConfig(image_size=96, roles=("primary", "additional"), generated_views=4), progress=False)  # fmt: skip
    assert (stats.images_ok, stats.generated) == (7, 4)
    index = pq.read_table(tmp_path / "a" / "index.parquet").to_pylist()
    assert [(r["key"], r["role"], r["view"], r["generated"]) for r in index] == [
        (sample_key("met:1.1", 0), "primary", None, False),
        *[(sample_key("met:1.1", 0, f"g{n}"), "additional", f"generated:{k}", True) for n, k in enumerate(VIEW_KINDS)],
        (sample_key("met:2.2", 0), "primary", None, False),
        (sample_key("met:2.2", 1), "additional", "back", False),
    ]
    build_shards(folder, tmp_path / "b", ShardsConfig(image_size=96, roles=("primary", "additional"), generated_views=4), progress=False)  # fmt: skip
    assert index == pq.read_table(tmp_path / "b" / "index.parquet").to_pylist()  # same hashes: same pixels


def test_phash_finds_near_duplicates_only(met_data) -> None:
    paintings = sorted(met_data.glob("*.jpg"))[:12]
    originals = [load_image(p) for p in paintings]
    hashes = [phash(img) for img in originals]
    for img, h in zip(originals, hashes):
        buf = io.BytesIO()
        img.resize((img.width // 3, img.height // 3)).save(buf, format="JPEG", quality=60)
        assert hamming(phash(Image.open(buf)), h) <= 6  # smaller, re-encoded: still a near-duplicate
    distances = [hamming(a, b) for i, a in enumerate(hashes) for b in hashes[i + 1 :]]
    assert min(distances) > 10


@pytest.mark.parametrize("mode,size", [("keep", (50, 100)), ("crop", (100, 100)), ("pad", (100, 100))])
def test_resize_modes(mode: str, size: tuple[int, int]) -> None:
    tall = Image.new("RGB", (200, 400), (0, 0, 0))
    out = resize(tall, 100, mode)
    assert out.size == size
    pixels = np.asarray(out)
    if mode == "pad":
        assert pixels[50, 0].tolist() == [255, 255, 255] and pixels[50, 50].tolist() == [0, 0, 0]
    else:
        assert pixels.max() == 0
    with pytest.raises(ValueError, match="resize mode"):
        resize(tall, 100, "stretch")
