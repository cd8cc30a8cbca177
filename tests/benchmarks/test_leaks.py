"""The near-duplicate leak check on real paintings: re-photographs of training paintings planted in the
test split (crop, rotation, border, colour shift, perspective, re-encode) are found and their exhibits
removed; different paintings are never paired."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers.small_museum import _qa as questions_about
from PIL import Image, ImageEnhance, ImageOps

from museumvqa.catalog.schema import EXHIBIT_SCHEMA, Exhibit, ImageRef, exhibit_to_row
from museumvqa.errors import UserError
from museumvqa.images.fingerprint import fingerprint, matches, visual_words
from museumvqa.images.process import encode_jpeg, resize
from museumvqa.images.shards import build_shards
from museumvqa.images.views import generated_views
from museumvqa.io import write_parquet
from museumvqa.sample import met_sample_dir
from museumvqa.settings import BenchmarksConfig, ShardsConfig
from museumvqa.tasks.build import build_benchmarks
from museumvqa.tasks.leaks import DEFAULT_MIN_MATCHES, METHOD, WordIndex, find_leaks

SIZE = 256  # the shards' long side
WHITE, BLACK = (255, 255, 255), (0, 0, 0)


def _crop(img: Image.Image) -> Image.Image:  # a closer shot: a 70% window, enlarged back
    w, h = img.size
    return img.resize(
        img.size, Image.Resampling.LANCZOS, box=(w // 10, h // 6, w // 10 + w * 7 // 10, h // 6 + h * 7 // 10)
    )


def _colour(img: Image.Image) -> Image.Image:  # darker, more saturated, hue turned by 21 degrees
    img = ImageEnhance.Color(ImageEnhance.Brightness(img).enhance(0.75)).enhance(1.4)
    hsv = np.asarray(img.convert("HSV")).copy()
    hsv[..., 0] = (hsv[..., 0].astype(np.int16) + 15) % 256
    return Image.fromarray(hsv, "HSV").convert("RGB")


def _reencode(img: Image.Image) -> Image.Image:  # half the size, JPEG quality 35
    small = img.resize((img.width // 2, img.height // 2), Image.Resampling.BILINEAR)
    return Image.open(io.BytesIO(encode_jpeg(small, 35))).convert("RGB")


PLANTED: dict[str, Callable[[Image.Image], Image.Image]] = {
    "crop": _crop,
    "rotation": lambda img: img.rotate(9, Image.Resampling.BICUBIC, fillcolor=WHITE),
    "border": lambda img: ImageOps.expand(img, round(0.05 * max(img.size)), fill=BLACK),
    "colour": _colour,
    "perspective": lambda img: dict(generated_views(img, 4, "leak-test"))["generated:perspective"],
    "reencode": _reencode,
}
OWN_PAINTINGS = 2  # exhibits of the test museum that copy nothing


def _records() -> list[dict]:
    return json.loads((met_sample_dir() / "objects.json").read_text())["objects"]


def _painting(record: dict) -> Image.Image:
    return Image.open(met_sample_dir() / f"{record['objectID']}.jpg").convert("RGB")


def _stored(img: Image.Image) -> Image.Image:
    """As a shard holds it."""
    return Image.open(io.BytesIO(encode_jpeg(resize(img, SIZE), 90))).convert("RGB")


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Museum "met": one painting per transform kind; museum "copies": a transformed copy of each (the
    leaks to find) and two paintings of its own; real shards at 256 px."""
    folder = tmp_path_factory.mktemp("planted")
    records = _records()[: len(PLANTED) + OWN_PAINTINGS]
    exhibits, qa = [], []

    def add(exhibit_id: str, museum: str, path: Path) -> None:
        exhibit = Exhibit(exhibit_id, museum, "test", "test")
        exhibit.images = [ImageRef(str(path), "primary")]
        exhibits.append(exhibit)
        qa.extend(questions_about(exhibit_id, f"Painting {exhibit_id}", "Paintings"))

    for kind, record in zip(PLANTED, records):
        add(f"met:{kind}", "met", met_sample_dir() / f"{record['objectID']}.jpg")
        PLANTED[kind](_painting(record)).save(folder / f"{kind}.jpg", quality=95)
        add(f"copies:{kind}", "copies", folder / f"{kind}.jpg")
    for n, record in enumerate(records[len(PLANTED) :]):
        add(f"copies:own{n}", "copies", met_sample_dir() / f"{record['objectID']}.jpg")
    table = pa.Table.from_pylist([exhibit_to_row(e) for e in exhibits], EXHIBIT_SCHEMA)
    write_parquet(table, folder / "exhibits" / "part-00000.parquet")
    write_parquet(pa.Table.from_pylist(qa), folder / "qa.parquet")
    build_shards(folder / "exhibits", folder / "shards", ShardsConfig(image_size=SIZE), progress=False)
    return {"exhibits": folder / "exhibits", "qa": folder / "qa.parquet", "index": folder / "shards" / "index.parquet"}


def _rows(path: Path) -> list[dict]:
    return pq.read_table(path).to_pylist()


def test_planted_copies_are_found_and_their_exhibits_removed(planted: dict[str, Path], tmp_path: Path) -> None:
    manifest = build_benchmarks(
        planted["qa"], planted["index"], tmp_path, exhibits=planted["exhibits"], test_museums=["copies"]
    )
    leaks = _rows(tmp_path / "leaks.parquet")
    assert {(r["test_exhibit"], r["other_exhibit"]) for r in leaks} == {(f"copies:{k}", f"met:{k}") for k in PLANTED}
    assert all(r["matches"] >= DEFAULT_MIN_MATCHES and r["other_split"] in ("train", "val") for r in leaks)
    assert manifest["leaks"] == {
        "checked": True,
        "method": METHOD,
        "min_matches": DEFAULT_MIN_MATCHES,
        "pairs": len(PLANTED),
        "test_exhibits_removed": len(PLANTED),
    }
    removed = {r["exhibit_id"] for r in _rows(tmp_path / "split.parquet") if r["removed_as_leak"]}
    assert removed == {f"copies:{k}" for k in PLANTED}
    general = _rows(tmp_path / "general.parquet")
    assert {r["exhibit_id"] for r in general} == {f"copies:own{n}" for n in range(OWN_PAINTINGS)}


def test_without_the_check_nothing_is_removed(planted: dict[str, Path], tmp_path: Path) -> None:
    manifest = build_benchmarks(
        planted["qa"], planted["index"], tmp_path, test_museums=["copies"], leak_min_matches=None
    )
    assert manifest["leaks"] == {
        "checked": False, "method": None, "min_matches": None, "pairs": 0, "test_exhibits_removed": 0
    }  # fmt: skip
    assert pq.read_table(tmp_path / "leaks.parquet").num_rows == 0
    assert manifest["exhibits"]["test"] == len(PLANTED) + OWN_PAINTINGS


def test_an_index_away_from_its_shards_is_one_line(planted: dict[str, Path], tmp_path: Path) -> None:
    moved = tmp_path / "index.parquet"
    moved.write_bytes(planted["index"].read_bytes())
    with pytest.raises(UserError, match=r"leak check reads the images from the shards beside .*--leak-min-matches -1"):
        build_benchmarks(planted["qa"], moved, tmp_path / "out", test_museums=["copies"])


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_processes_and_ray_find_the_same_leaks_and_write_the_same_files(
    planted: dict[str, Path], tmp_path: Path, local_ray
) -> None:
    shards = tmp_path / "shards"  # four shards, so the fingerprints come from several pieces
    build_shards(planted["exhibits"], shards, ShardsConfig(image_size=SIZE, per_shard=4), progress=False)
    options = {"exhibits": planted["exhibits"], "test_museums": ["copies"]}
    runs = {"here": {}, "processes": {"workers": 2}, "ray-1": {"ray": True}, "ray-2": {"ray": True, "workers": 2}}
    for name, parallel in runs.items():
        build_benchmarks(planted["qa"], shards / "index.parquet", tmp_path / name, **options, **parallel)
    files = {name: _files(tmp_path / name) for name in runs}
    assert pq.read_table(tmp_path / "here" / "leaks.parquet").num_rows == len(PLANTED)
    assert {"manifest.json", "split.parquet", "train.parquet", "general.parquet"} <= files["here"].keys()
    assert files["processes"] == files["here"] and files["ray-1"] == files["here"] and files["ray-2"] == files["here"]


def test_no_workers_is_one_line(planted: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"^--workers 0: give 1 or more$"):
        build_benchmarks(planted["qa"], planted["index"], tmp_path, test_museums=["copies"], workers=0)
    assert not tmp_path.joinpath("manifest.json").exists()


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.parametrize("kind", list(PLANTED))
def test_each_kind_of_copy_keeps_its_painting_s_keypoints(kind: str) -> None:
    record = _records()[list(PLANTED).index(kind)]
    original = _painting(record)
    copy, painting = fingerprint(_stored(PLANTED[kind](original))), fingerprint(_stored(original))
    assert matches(copy, painting) >= 2 * DEFAULT_MIN_MATCHES


def test_different_paintings_are_never_paired() -> None:
    paintings = {str(r["objectID"]): fingerprint(_stored(_painting(r))) for r in _records()[:10]}
    keys = sorted(paintings)
    split_of = {k: "test" if i % 2 else "train" for i, k in enumerate(keys)}
    assert find_leaks(paintings, split_of) == []
    assert max(matches(paintings[a], paintings[b]) for a in keys for b in keys if a != b) < DEFAULT_MIN_MATCHES


def test_word_index_ranks_by_shared_rare_words() -> None:
    index = WordIndex()
    index.add("a", np.array([1, 2, 3, 100]))
    index.add("b", np.array([3, 4, 100]))
    index.add("c", np.array([5, 100]))
    ranked = index.candidates(np.array([1, 2, 3, 4, 100]))
    assert [key for key, _ in ranked] == ["a", "b", "c"]  # c shares only 100, a word every image holds
    assert [score for _, score in ranked] == pytest.approx(
        [2 * np.log(4) + np.log(2) + np.log(4 / 3), np.log(2) + np.log(4) + np.log(4 / 3), np.log(4 / 3)]
    )
    assert index.candidates(np.array([7])) == [] and len(index) == 3
    assert [key for key, _ in index.candidates(np.array([1, 2, 3, 4, 100]), limit=1)] == ["a"]


def test_a_copy_of_the_only_training_image_is_found() -> None:
    painting = _painting(_records()[0])
    fingerprints = {"train": fingerprint(_stored(painting)), "test": fingerprint(_stored(PLANTED["crop"](painting)))}
    [(test, other, score)] = find_leaks(fingerprints, {"train": "train", "test": "test"})
    assert (test, other) == ("test", "train") and score >= DEFAULT_MIN_MATCHES


def test_fingerprints_are_deterministic_and_a_blank_image_has_none() -> None:
    painting = _stored(_painting(_records()[0]))
    first, again = fingerprint(painting), fingerprint(painting)
    assert np.array_equal(first.descriptors, again.descriptors) and np.array_equal(first.points, again.points)
    assert matches(first, again) == matches(first, fingerprint(painting)) >= 100
    blank = fingerprint(Image.new("RGB", (300, 200), WHITE))
    assert len(blank) == 0 and len(visual_words(blank)) == 0
    assert matches(blank, first) == matches(first, blank) == 0
    assert find_leaks({"blank": blank, "p": first}, {"blank": "test", "p": "train"}) == []


def test_the_setting_defaults_to_the_calibrated_threshold() -> None:
    assert BenchmarksConfig().leak_check == DEFAULT_MIN_MATCHES
    assert BenchmarksConfig(leak_min_matches=-1).leak_check is None
    assert BenchmarksConfig(leak_min_matches=None).leak_check is None
