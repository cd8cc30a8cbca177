"""The five task sets on a small real museum: exact rows, manifests, leaks and the museum hold-out."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from museumvqa.errors import UserError
from museumvqa.sample import met_sample_records
from museumvqa.tasks.build import build_benchmarks
from museumvqa.tasks.continents import continent_of
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
        if name == "robustness":  # the small museum has real views only
            assert not rows and "generated views" in manifest["tasks"][name]["empty_reason"]
            continue
        assert rows, name
        assert {r["exhibit_id"] for r in rows} <= test_exhibits
        assert {r["task"] for r in rows} == {name}
        assert manifest["tasks"][name]["rows"] == len(rows)
    train = _rows(out, "train")
    assert not {r["exhibit_id"] for r in train} & test_exhibits


def test_task_contents(built: tuple[Path, dict]) -> None:
    out, manifest = built
    general = _rows(out, "general")
    # 3 test exhibits x 5 English questions (title, medium, department, two birth years), on the main view
    assert (
        len(general) == 15 and {r["language"] for r in general} == {"en"} and {r["view"] for r in general} == {"main"}
    )
    assert not (out / "category.parquet").exists()  # Category-wise is General's declared breakdown
    unanswerable = _rows(out, "unanswerable")
    # the maker's birth year asked without naming the maker; not the department, not "When did Rembrandt die?"
    assert {r["template_id"] for r in unanswerable} == {"birth_year-maker-1"} and len(unanswerable) == 3
    multilanguage = _rows(out, "multilanguage")
    # the French title (a neutral gold) is asked; the French medium question with an English gold is not
    assert {(r["language"], r["category"]) for r in multilanguage} == {("fr", "title")} and len(multilanguage) == 3
    assert manifest["multilanguage_gold"] == {"questions": 6, "gold_in_question_language": 3}
    multiangle = _rows(out, "multiangle")
    # only Met exhibits have a second (real) view; each English question asked on both
    met_test = {r["exhibit_id"] for r in general if r["museum"] == "met"}
    assert len(multiangle) == 2 * 5 * len(met_test)
    per_question: dict[str, list[str]] = {}
    for r in multiangle:
        per_question.setdefault(r["question_id"], []).append(r["view"])
    assert all(views == ["main", "real"] for views in per_question.values())
    assert manifest["tasks"]["multiangle"]["views"] == {"main": 5 * len(met_test), "real": 5 * len(met_test)}


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
    # other:2 is a resized photograph of a Met painting (found in its photograph and in its detail crop);
    # other:1 is a painting of its own
    copied = f"met:{json.loads(met_sample_records().read_text())['objects'][0]['accessionNumber']}"
    assert {(r["test_exhibit"], r["other_exhibit"], r["other_split"]) for r in leaks} == {("other:2", copied, "train")}
    assert all(r["matches"] >= manifest["leaks"]["min_matches"] for r in leaks)
    general = _rows(tmp_path, "general")
    assert {r["exhibit_id"] for r in general} == {"other:1"} and len(general) == 5
    assert manifest["counts"]["test_removed_as_leak"] == 7
    assert manifest["tasks"]["multiangle"]["rows"] == 0
    assert "two or more real photographs" in manifest["tasks"]["multiangle"]["empty_reason"]
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
    manifest = build_benchmarks(write, primary, tmp_path / "out", seed=0, test_fraction=0.3, leak_min_matches=None)
    assert manifest["tasks"]["multilanguage"]["rows"] == 0
    assert manifest["tasks"]["multilanguage"]["empty_reason"] == "the QA table holds English questions only"
    assert manifest["tasks"]["multiangle"]["rows"] == 0
    assert pq.read_table(tmp_path / "out" / "multiangle.parquet").num_rows == 0
    assert manifest["tasks"]["general"]["rows"] == 15


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


def test_continent_of_origin() -> None:
    assert continent_of(["Italian, Rimini"]) == "Europe"
    assert continent_of([None, "India (Basohli, Jammu)"]) == "Asia"
    assert continent_of(["", "French"]) == "Europe"
    assert continent_of(["Unknown workshop"]) == "unknown"
    assert continent_of(["Japanese, made for the European market"]) == "Asia"


def test_generated_views_form_the_robustness_variant_never_multiangle(small_museum: dict, tmp_path: Path) -> None:
    """Half the exhibits' second view flagged generated: MultiAngle keeps real photographs only, the
    robustness variant the generated ones, each beside the main view."""
    index = pq.read_table(small_museum["index"])
    additional = [i for i, role in enumerate(index["role"].to_pylist()) if role == "additional"]
    flagged = set(additional[::2])
    path = tmp_path / "index.parquet"
    if "generated" in index.column_names:
        index = index.drop_columns(["generated"])
    pq.write_table(index.append_column("generated", pa.array([i in flagged for i in range(index.num_rows)])), path)
    # the edited index has no shards beside it, so no pixels for the leak check
    manifest = build_benchmarks(small_museum["qa"], path, tmp_path / "out", seed=0, test_fraction=0.5, leak_min_matches=None)
    multiangle, robustness = _rows(tmp_path / "out", "multiangle"), _rows(tmp_path / "out", "robustness")
    assert multiangle and robustness
    assert {r["view"] for r in multiangle} == {"main", "real"}
    assert {r["view"] for r in robustness} == {"main", "generated"}
    assert not {r["exhibit_id"] for r in multiangle} & {r["exhibit_id"] for r in robustness}
    assert manifest["tasks"]["robustness"]["views"]["generated"] == manifest["tasks"]["robustness"]["views"]["main"]


def test_train_in_english_only_is_the_papers_multilanguage_setting(small_museum: dict, tmp_path: Path) -> None:
    both = build_benchmarks(small_museum["qa"], small_museum["index"], tmp_path / "all", seed=0, test_fraction=0.3)
    english = build_benchmarks(
        small_museum["qa"], small_museum["index"], tmp_path / "en", seed=0, test_fraction=0.3, train_languages=["en"]
    )
    train = _rows(tmp_path / "en", "train")
    assert train and {r["language"] for r in train} == {"en"}
    assert english["counts"]["train_other_languages"] == both["counts"]["train"] - english["counts"]["train"] > 0
    assert english["train_languages"] == ["en"] and both["train_languages"] is None
    assert english["content_hash"] == both["content_hash"]  # the task sets do not change, only what is trained on
    with pytest.raises(UserError, match="--train-languages de: the QA table has none"):
        build_benchmarks(small_museum["qa"], small_museum["index"], tmp_path / "de", train_languages=["de"])
