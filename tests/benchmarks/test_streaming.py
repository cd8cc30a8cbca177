"""The benchmark build streams the QA pairs: the files do not depend on the batch size or DuckDB's memory
limit, rows come out in question order (ties in file order) whatever the QA file's order, and every task
gives the same rows built a batch at a time as in one call."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from museumvqa.errors import UserError
from museumvqa.tasks.build import build_benchmarks
from museumvqa.tasks.registry import TASKS
from museumvqa.tasks.views import exhibit_views

# prefixes, quotes, a backslash, a control character, accents and CJK: Python's and DuckDB's orders must agree
EXHIBITS = ["a", "a b", "a#", "a'x", 'a"y', "a\\z", "é", "e", "m:1", "m:1–2", "m:10", "z\x01", "日本", "noimg"]


def _tricky(folder: Path) -> tuple[Path, Path]:
    """A QA table in reverse question order, with duplicate question ids, four languages and an exhibit
    without an image; an index with real and generated views."""
    rows = []
    for j, e in enumerate(EXHIBITS):
        for k, (language, answer_language) in enumerate([("en", "en"), ("fr", "*"), ("en", "en"), ("sv", "en")]):
            rows.append(
                {
                    "question_id": e + ["", "#", " ", "#"][k],  # k=1 and k=3 share an id
                    "exhibit_id": e,
                    "category": "title",
                    "language": language,
                    "template_id": "t",
                    "question": f"q{j}{k}?",
                    "answers": [f"a{k}", "b"],
                    "visual": bool(k % 2),
                    "knowledge": k == 2,
                    "answer_language": answer_language,
                }
            )
    rows.reverse()
    pq.write_table(pa.Table.from_pylist(rows), folder / "qa.parquet")
    index = [
        {"key": f"k{(j * 7) % 13}-{v}", "exhibit_id": e, "role": "additional" if v else "primary", "generated": v == 2}
        for j, e in enumerate(EXHIBITS[:-1])
        for v in range(1 + j % 3)
    ]
    pq.write_table(pa.Table.from_pylist(index), folder / "index.parquet")
    return folder / "qa.parquet", folder / "index.parquet"


def _same_files(a: Path, b: Path) -> None:
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    for name in names:
        if name.endswith(".parquet"):
            assert pq.read_table(a / name).equals(pq.read_table(b / name), check_metadata=True), name
    assert json.loads((a / "manifest.json").read_text()) == json.loads((b / "manifest.json").read_text())


def test_batch_size_and_memory_limit_do_not_change_the_files(small_museum: dict, tmp_path: Path) -> None:
    inputs = (small_museum["qa"], small_museum["index"])
    options = {"seed": 0, "test_fraction": 0.3, "exhibits": small_museum["exhibits"], "train_languages": ["en"]}
    build_benchmarks(*inputs, tmp_path / "large", **options)
    build_benchmarks(*inputs, tmp_path / "small", **options, batch_rows=2, memory_limit="100MB")
    _same_files(tmp_path / "large", tmp_path / "small")
    tricky = _tricky(tmp_path)
    build_benchmarks(*tricky, tmp_path / "t-large", test_fraction=0.5, leak_min_matches=None)
    build_benchmarks(*tricky, tmp_path / "t-small", test_fraction=0.5, leak_min_matches=None, batch_rows=3)
    _same_files(tmp_path / "t-large", tmp_path / "t-small")
    assert not [p for p in (tmp_path / "t-small").iterdir() if p.name.startswith(".")]  # no staging left


def test_rows_follow_question_order_and_the_version_is_the_sorted_rows(tmp_path: Path) -> None:
    """The files against a reading of the contract in memory: QA rows stably sorted by question_id,
    routed by their exhibit's split; a task's version hashes its rows' sorted reprs."""
    qa, index = _tricky(tmp_path)
    manifest = build_benchmarks(qa, index, tmp_path / "out", test_fraction=0.5, leak_min_matches=None, batch_rows=3)
    out = tmp_path / "out"
    split = {r["exhibit_id"]: r["split"] for r in pq.read_table(out / "split.parquet").to_pylist()}
    expected = sorted(pq.read_table(qa).to_pylist(), key=lambda r: r["question_id"])
    for name in ("train", "val"):
        got = pq.read_table(out / f"{name}.parquet").to_pylist()
        want = [r for r in expected if split.get(r["exhibit_id"]) == name]
        assert want and [(r["question_id"], r["question"]) for r in got] == [(r["question_id"], r["question"]) for r in want]
    assert [r["exhibit_id"] for r in pq.read_table(out / "no_image.parquet").to_pylist()] == ["noimg"] * 4
    general = pq.read_table(out / "general.parquet").to_pylist()
    assert [r["question"] for r in general] == [
        r["question"] for r in expected if split.get(r["exhibit_id"]) == "test" and r["language"] == "en"
    ]
    for name in ("general", "multiangle", "robustness", "multilanguage"):
        rows = pq.read_table(out / f"{name}.parquet").to_pylist()
        assert rows, name
        items = sorted(repr([r[f] for f in ("question_id", "question", "answers", "image_key", "view")]) for r in rows)
        digest = hashlib.sha256("".join(items).encode()).hexdigest()[:16]
        assert manifest["content_hash"][name] == digest
        assert manifest["tasks"][name]["questions"] == len({r["question_id"] for r in rows})


def test_every_task_builds_the_same_rows_a_batch_at_a_time(small_museum: dict, tmp_path: Path) -> None:
    """The registry's contract for `build` (one row at a time), which lets the build stream."""
    out = tmp_path / "out"
    build_benchmarks(small_museum["qa"], small_museum["index"], out, test_fraction=0.5, leak_min_matches=None)
    views = exhibit_views(small_museum["index"])
    rows = pq.read_table(out / "general.parquet").drop_columns(["task"]).to_pylist()
    rows += pq.read_table(out / "multilanguage.parquet").drop_columns(["task"]).to_pylist()
    for task in TASKS.values():
        whole = task.build(rows, views)
        assert [r for i in range(0, len(rows), 4) for r in task.build(rows[i : i + 4], views)] == whole, task.name


def test_a_memory_limit_that_is_not_a_size_is_one_line(small_museum: dict, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="--memory-limit 'lots': not a size"):
        build_benchmarks(small_museum["qa"], small_museum["index"], tmp_path / "out", memory_limit="lots")
    with pytest.raises(UserError, match="--batch-rows 0"):
        build_benchmarks(small_museum["qa"], small_museum["index"], tmp_path / "out", batch_rows=0)
    assert not (tmp_path / "out").exists()  # refused before anything is read or written


def test_a_killed_builds_staging_folder_is_removed_by_the_next_build(tmp_path: Path) -> None:
    out = tmp_path / "out"
    stale = out / ".benchmarks-killed"  # what a SIGKILLed build leaves: its staging folder, half written
    stale.mkdir(parents=True)
    (stale / "general.parquet").write_bytes(b"half")
    build_benchmarks(*_tricky(tmp_path), out, test_fraction=0.5, leak_min_matches=None)
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert (out / "manifest.json").is_file()
