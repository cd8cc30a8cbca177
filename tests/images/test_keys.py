from __future__ import annotations

import re
from pathlib import Path

import pytest
import webdataset as wds

from museumvqa.catalog.schema import ImageRef
from museumvqa.images.keys import sample_key
from museumvqa.images.shards import build_shards
from museumvqa.settings import ShardsConfig

SAFE = re.compile(r"[A-Za-z0-9_-]+")


@pytest.mark.parametrize(
    "exhibit_id",
    ["met:1987.123.4", "tate:N 01234", "lido:a/b/c.d", "x:Æ.ø  ü", "....", "met:" + "1.2." * 40],
)
def test_key_is_webdataset_safe_and_stable(exhibit_id: str) -> None:
    key = sample_key(exhibit_id, 3)
    assert SAFE.fullmatch(key)
    assert key.endswith("_v3")
    assert key == sample_key(exhibit_id, 3)
    assert len(key) <= 64


def test_ids_that_sanitise_alike_get_different_keys() -> None:
    ids = ["met:1.2", "met:1-2", "met:1:2", "met:1 2", "met/1.2", "MET:1.2"]
    assert len({sample_key(i, 0) for i in ids}) == len(ids)
    assert sample_key("met:1.2", 0) != sample_key("met:1.2", 1)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        sample_key("", 0)
    with pytest.raises(ValueError):
        sample_key("met:1", -1)


def test_dotted_keys_round_trip_through_webdataset(tmp_path: Path, met_specs, exhibits_folder) -> None:
    # Real Met accession numbers (14.76.6, 29.100.6, ...) all have dots.
    specs = [(eid, images[:1]) for eid, images in met_specs[:6]]
    specs.append(("met:1987.123.4 a/b", [ImageRef("nowhere.jpg", "verso"), met_specs[0][1][0]]))
    assert all("." in eid for eid, _ in specs)
    build_shards(exhibits_folder(specs), tmp_path / "shards", ShardsConfig(image_size=64, per_shard=3), progress=False)

    expected = [sample_key(eid, 0) for eid, _ in specs[:6]] + [sample_key(specs[6][0], 1)]
    urls = sorted(str(p) for p in (tmp_path / "shards").glob("shard-*.tar"))
    assert len(urls) == 3
    read = list(wds.WebDataset(urls, shardshuffle=False).decode("pil"))
    assert [s["__key__"] for s in read] == expected
    for sample in read:
        assert sample["json"]["key"] == sample["__key__"]
        assert sample["jpg"].mode == "RGB" and max(sample["jpg"].size) == 64
    assert read[-1]["json"]["exhibit_id"] == "met:1987.123.4 a/b"
