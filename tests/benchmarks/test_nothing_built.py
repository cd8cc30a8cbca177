"""`benchmarks` refuses to report success when it built nothing: no images, an index from another run,
or a test split too small for any task; nothing is written then, and the reasons are the true ones."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from museumvqa.errors import UserError
from museumvqa.tasks.build import build_benchmarks
from museumvqa.tasks.registry import why_empty


def test_an_index_from_another_run_is_refused_before_writing(small_museum: dict, tmp_path: Path) -> None:
    index = pq.read_table(small_museum["index"])
    other = tmp_path / "index.parquet"
    pq.write_table(index.set_column(index.schema.get_field_index("exhibit_id"), "exhibit_id",
                                    pc.binary_join_element_wise("x-", index["exhibit_id"], "")), other)  # fmt: skip
    with pytest.raises(UserError, match=r"none of the \d+ QA pairs has an image: .*index.parquet lists no image"):
        build_benchmarks(small_museum["qa"], other, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_an_empty_index_is_refused(small_museum: dict, tmp_path: Path) -> None:
    empty = tmp_path / "index.parquet"
    pq.write_table(pq.read_table(small_museum["index"]).slice(0, 0), empty)
    with pytest.raises(UserError, match="has an image"):
        build_benchmarks(small_museum["qa"], empty, tmp_path / "out")


def test_every_task_empty_is_refused_with_the_true_reason(
    small_museum: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def every_test_image_leaks(fingerprints: dict, split_of: dict, min_matches: int) -> list[tuple[str, str, int]]:
        other = next(k for k in sorted(fingerprints) if split_of[k] != "test")
        return [(k, other, min_matches) for k in sorted(fingerprints) if split_of[k] == "test"]

    # as if every test image were a copy of a training one: each test exhibit is removed as a leak
    monkeypatch.setattr("museumvqa.tasks.build.find_leaks", every_test_image_leaks)
    with pytest.raises(UserError, match=r"every task set is empty \(general: the test split is empty") as refused:
        build_benchmarks(small_museum["qa"], small_museum["index"], tmp_path / "out")
    assert "English questions only" not in str(refused.value)
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_why_empty_names_english_only_only_when_it_is_so() -> None:
    assert why_empty("multilanguage", True, {"en", "sv"}) == "no non-English test questions"
    assert why_empty("multilanguage", True, {"en"}) == "the QA table holds English questions only"
    assert why_empty("general", False, {"en", "sv"}).startswith("the test split is empty")


def test_fractions_out_of_range_are_one_line(small_museum: dict, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="--test-fraction 0: need"):
        build_benchmarks(small_museum["qa"], small_museum["index"], tmp_path / "out", test_fraction=0.0)


def test_a_qa_path_that_is_not_parquet_is_one_line(small_museum: dict, tmp_path: Path) -> None:
    bad = tmp_path / "qa.parquet"
    bad.write_bytes(pa.BufferOutputStream().getvalue().to_pybytes() + b"PAR1 truncated")
    with pytest.raises(UserError, match=r"qa.parquet: not a readable Parquet file .*give a QA table"):
        build_benchmarks(bad, small_museum["index"], tmp_path / "out")
