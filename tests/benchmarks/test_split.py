import random
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from museumvqa.errors import UserError
from museumvqa.tasks.build import build_benchmarks
from museumvqa.tasks.split import SPLITS, split_exhibits


def test_split_is_by_exhibit_seeded_and_order_free() -> None:
    a = split_exhibits(100, seed=3)
    assert (a == split_exhibits(100, seed=3)).all()
    assert (a != split_exhibits(100, seed=4)).any()
    assert np.bincount(a).tolist() == [70, 10, 20]  # train, val, test


def test_split_codes_are_those_of_shuffling_the_sorted_ids() -> None:
    """The codes over positions give each id the split the seeded shuffle of the ids themselves gives it."""
    ids = sorted(f"met:{i}" for i in range(1000))
    shuffled = list(ids)
    random.Random(7).shuffle(shuffled)
    expected = ["test"] * 200 + ["val"] * 100 + ["train"] * 700
    by_id = dict(zip(shuffled, expected))
    assert [SPLITS[c] for c in split_exhibits(len(ids), seed=7)] == [by_id[e] for e in ids]


def _qa_and_index(tmp_path: Path) -> tuple[Path, Path]:
    exhibits = [f"m:{i}" for i in range(30)]
    qa = pa.table(
        {
            "question_id": [f"{e}#q{c}" for e in exhibits for c in range(2)],
            "exhibit_id": [e for e in exhibits for _ in range(2)],
            "category": ["title", "medium"] * 30,
            "language": ["en"] * 60,
            "template_id": ["t"] * 60,
            "question": ["q?"] * 60,
            "answers": [["a"]] * 60,
            "visual": [False, True] * 30,
            "knowledge": [False] * 60,
            "answer_language": ["en"] * 60,
        }
    )
    # exhibit m:29 has no usable image
    index = pa.table({"key": [f"k{i}" for i in range(29)], "exhibit_id": exhibits[:29], "role": ["primary"] * 29})
    pq.write_table(qa, tmp_path / "qa.parquet")
    pq.write_table(index, tmp_path / "index.parquet")
    return tmp_path / "qa.parquet", tmp_path / "index.parquet"


def test_task_sets_hold_only_test_exhibits(tmp_path: Path) -> None:
    qa, index = _qa_and_index(tmp_path)
    manifest = build_benchmarks(qa, index, tmp_path / "bench", seed=0, leak_min_matches=None)  # no images to hash
    read = lambda n: pq.read_table(tmp_path / "bench" / f"{n}.parquet").to_pylist()  # noqa: E731
    train, val, general = read("train"), read("val"), read("general")
    assert not {r["exhibit_id"] for r in train} & {r["exhibit_id"] for r in general}
    assert not {r["exhibit_id"] for r in val} & {r["exhibit_id"] for r in general}
    assert len(train) + len(val) + len(general) + manifest["counts"]["no_image"] == 60
    assert [r["exhibit_id"] for r in read("no_image")] == ["m:29", "m:29"]
    assert all(r["image_key"] == f"k{r['exhibit_id'][2:]}" for r in general)
    assert {r["task"] for r in general} == {"general"}
    assert not (tmp_path / "bench" / "category.parquet").exists()  # Category-wise is General's breakdown
    again = build_benchmarks(qa, index, tmp_path / "bench2", seed=0, leak_min_matches=None)
    assert again["content_hash"] == manifest["content_hash"]


def test_missing_inputs_and_unknown_tasks(tmp_path: Path) -> None:
    qa, index = _qa_and_index(tmp_path)
    with pytest.raises(UserError, match="missing"):
        build_benchmarks(tmp_path / "nope.parquet", index, tmp_path / "b")
    with pytest.raises(UserError, match="unknown tasks"):
        build_benchmarks(qa, index, tmp_path / "b", tasks=("general", "nope"))
