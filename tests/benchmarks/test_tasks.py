"""The five task sets on a small real museum: exact rows, manifests, leaks and the museum hold-out."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from museumvqa.errors import UserError
from museumvqa.tasks.build import build_benchmarks
from museumvqa.tasks.continents import continent_of
from museumvqa.tasks.leaks import dhash, find_leaks
from museumvqa.tasks.registry import task_names
from museumvqa.tasks.views import exhibit_views


@pytest.fixture(scope="module")
def built(small_museum: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("bench")
    manifest = build_benchmarks(
        small_museum["qa"], small_museum["index"], out, seed=0, test_fraction=0.3, exhibits=small_museum["exhibits"]
    )
    return out, manifest


def _rows(out: Path, name: str) -> list[dict]:
    return pq.read_table(out / f"{name}.parquet").to_pylist()


def test_every_task_is_built_from_test_exhibits_only(built: tuple[Path, dict]) -> None:
    out, manifest = built
    split = {r["exhibit_id"]: r["split"] for r in _rows(out, "split")}
    test_exhibits = {e for e, s in split.items() if s == "test"}
    assert manifest["exhibits"] == {"train": 6, "val": 1, "test": 3}
    for name in task_names():
        rows = _rows(out, name)
        assert rows, name
        assert {r["exhibit_id"] for r in rows} <= test_exhibits
        assert {r["task"] for r in rows} == {name}
        assert manifest["tasks"][name]["rows"] == len(rows)
    train = _rows(out, "train")
    assert not {r["exhibit_id"] for r in train} & test_exhibits


def test_task_contents(built: tuple[Path, dict]) -> None:
    out, manifest = built
    general = _rows(out, "general")
    # 3 test exhibits x 4 English questions (title, medium, department, birth year), on the main view
    assert (
        len(general) == 12 and {r["language"] for r in general} == {"en"} and {r["view"] for r in general} == {"main"}
    )
    assert _rows(out, "category") == [{**r, "task": "category"} for r in general]
    unanswerable = _rows(out, "unanswerable")
    assert {r["category"] for r in unanswerable} == {"department", "birth_year"} and len(unanswerable) == 6
    multilanguage = _rows(out, "multilanguage")
    assert {r["language"] for r in multilanguage} == {"fr"} and len(multilanguage) == 3
    multiangle = _rows(out, "multiangle")
    # only Met exhibits have a second (real) view; each English question asked on both
    met_test = {r["exhibit_id"] for r in general if r["museum"] == "met"}
    assert len(multiangle) == 2 * 4 * len(met_test)
    per_question: dict[str, list[str]] = {}
    for r in multiangle:
        per_question.setdefault(r["question_id"], []).append(r["view"])
    assert all(views == ["main", "real"] for views in per_question.values())
    assert manifest["tasks"]["multiangle"]["views"] == {"main": 4 * len(met_test), "real": 4 * len(met_test)}


def test_manifest_names_an_exact_task_version(built: tuple[Path, dict], small_museum: dict, tmp_path: Path) -> None:
    out, manifest = built
    again = build_benchmarks(small_museum["qa"], small_museum["index"], tmp_path / "a", seed=0, test_fraction=0.3)
    assert again["content_hash"] == manifest["content_hash"]
    assert json.loads((out / "manifest.json").read_text())["content_hash"] == manifest["content_hash"]
    other_seed = build_benchmarks(small_museum["qa"], small_museum["index"], tmp_path / "b", seed=5, test_fraction=0.3)
    assert other_seed["content_hash"]["general"] != manifest["content_hash"]["general"]


def test_museum_hold_out_reports_and_removes_the_near_duplicate(small_museum: dict, tmp_path: Path) -> None:
    manifest = build_benchmarks(
        small_museum["qa"], small_museum["index"], tmp_path, exhibits=small_museum["exhibits"], test_museums=["other"]
    )
    assert manifest["split_mode"] == "museum"
    assert manifest["exhibits"]["test"] == 2
    leaks = pq.read_table(tmp_path / "leaks.parquet").to_pylist()
    # other:2 is a resized photograph of a Met painting; other:1 is a painting of its own
    assert [(r["test_exhibit"], r["other_split"]) for r in leaks] == [("other:2", "train")]
    assert leaks[0]["distance"] <= 4
    general = _rows(tmp_path, "general")
    assert {r["exhibit_id"] for r in general} == {"other:1"} and len(general) == 4
    assert manifest["counts"]["test_removed_as_leak"] == 5
    assert manifest["tasks"]["multiangle"]["rows"] == 0
    assert "two or more indexed views" in manifest["tasks"]["multiangle"]["empty_reason"]
    removed = {r["exhibit_id"] for r in _rows(tmp_path, "split") if r["removed_as_leak"]}
    assert removed == {"other:2"}


def test_museum_hold_out_errors(small_museum: dict, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no exhibits of museum 'louvre'"):
        build_benchmarks(small_museum["qa"], small_museum["index"], tmp_path, test_museums=["louvre"])
    with pytest.raises(UserError, match="nothing is left to train on"):
        build_benchmarks(small_museum["qa"], small_museum["index"], tmp_path, test_museums=["met", "other"])


def test_english_only_primary_only_data_gives_empty_tasks_with_reasons(small_museum: dict, tmp_path: Path) -> None:
    qa = pq.read_table(small_museum["qa"])
    write = tmp_path / "qa.parquet"
    pq.write_table(qa.filter(pc.equal(qa["language"], "en")), write)
    index = pq.read_table(small_museum["index"])
    primary = tmp_path / "index.parquet"
    pq.write_table(index.filter(pc.equal(index["role"], "primary")), primary)
    manifest = build_benchmarks(write, primary, tmp_path / "out", seed=0, test_fraction=0.3, max_leak_distance=None)
    assert manifest["tasks"]["multilanguage"]["rows"] == 0
    assert manifest["tasks"]["multilanguage"]["empty_reason"] == "the QA table holds English questions only"
    assert manifest["tasks"]["multiangle"]["rows"] == 0
    assert pq.read_table(tmp_path / "out" / "multiangle.parquet").num_rows == 0
    assert manifest["tasks"]["general"]["rows"] == 12


def test_generated_views_come_after_real_ones_and_are_flagged(small_museum: dict, tmp_path: Path) -> None:
    index = pq.read_table(small_museum["index"])
    flags = [role == "additional" and i % 4 == 1 for i, role in enumerate(index["role"].to_pylist())]
    path = tmp_path / "index.parquet"
    if "generated" in index.column_names:  # the image build may flag views itself; here we choose which
        index = index.drop_columns(["generated"])
    pq.write_table(index.append_column("generated", pa.array(flags)), path)
    views = exhibit_views(path)
    for items in views.values():
        labels = [label for _, label in items]
        assert labels[0] == "main" and labels == sorted(labels, key=["main", "real", "generated"].index)
    assert any(label == "generated" for items in views.values() for _, label in items)


def test_find_leaks_is_exact_within_the_distance() -> None:
    hashes = {"t1": 0b1111, "t2": (1 << 63) | 0b1, "a": 0b0111, "b": 0, "c": (1 << 63)}
    split = {"t1": "test", "t2": "test", "a": "train", "b": "val", "c": "train"}
    assert find_leaks(hashes, split, max_distance=1) == [("t1", "a", 1), ("t2", "c", 1)]
    assert find_leaks(hashes, split, max_distance=4) == [
        ("t1", "a", 1),
        ("t1", "b", 4),
        ("t2", "a", 3),
        ("t2", "b", 2),
        ("t2", "c", 1),
    ]


def test_dhash_sees_a_resized_copy_not_another_painting(small_museum: dict) -> None:
    from PIL import Image

    views = Path(small_museum["qa"]).parent / "views"
    copy = Image.open(views / "copy.jpg")
    assert dhash(copy) == dhash(copy.resize((50, 40)))
    assert (dhash(copy) ^ dhash(copy.rotate(90, expand=True))).bit_count() > 10


def test_continent_of_origin() -> None:
    assert continent_of(["Italian, Rimini"]) == "Europe"
    assert continent_of([None, "India (Basohli, Jammu)"]) == "Asia"
    assert continent_of(["", "French"]) == "Europe"
    assert continent_of(["Unknown workshop"]) == "unknown"
    assert continent_of(["Japanese, made for the European market"]) == "Asia"
