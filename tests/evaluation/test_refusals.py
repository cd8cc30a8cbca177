"""A refused evaluation leaves no partial file; the answer-length cap is a setting recorded with each prediction."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from museumvqa.cli import app
from museumvqa.evaluation.answerers import make_answerer


def test_a_refused_evaluate_leaves_no_partial_file(small_museum_run: Path, tmp_path: Path) -> None:
    for part in ("benchmarks", "shards"):
        shutil.copytree(small_museum_run / part, tmp_path / part)
    general = pq.read_table(small_museum_run / "benchmarks" / "general.parquet").to_pylist()
    theirs = tmp_path / "theirs.jsonl"  # answers the first question only
    theirs.write_text(json.dumps({"question_id": general[0]["question_id"], "prediction": "x"}) + "\n")
    result = CliRunner().invoke(
        app, ["evaluate", "--run", str(tmp_path), "--model", f"file:{theirs}", "--tasks", "general", "--quiet"]
    )
    assert result.exit_code == 2 and "no prediction for question" in result.stderr
    assert "Traceback" not in result.output
    assert not list((tmp_path / "predictions").glob("*")), list((tmp_path / "predictions").iterdir())


def test_bootstrap_zero_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "p.jsonl").write_text("")
    for args in (["score", str(tmp_path / "p.jsonl")], ["evaluate", "--run", str(tmp_path), "--model", "x"]):
        result = CliRunner().invoke(app, [*args, "--bootstrap", "0"])
        assert result.exit_code == 2 and "--bootstrap" in result.stderr and result.exception is not None
        assert "Traceback" not in result.output


@pytest.mark.slow
def test_max_new_tokens_is_a_setting_recorded_in_the_generation(tiny_model_dir: Path, small_museum_run: Path) -> None:
    answerer = make_answerer(str(tiny_model_dir), batch_size=4, max_new_tokens=3)
    assert answerer.generation["max_new_tokens"] == 3
    rows = pq.read_table(small_museum_run / "benchmarks" / "general.parquet").to_pylist()[:4]
    from museumvqa.images.reader import ShardImages

    images = ShardImages(small_museum_run / "shards", {r["image_key"] for r in rows})
    pictures = [images[r["image_key"]] for r in rows]
    short = answerer.answer_rows(rows, pictures)
    longer = make_answerer(str(tiny_model_dir), batch_size=4)
    assert longer.generation["max_new_tokens"] == 32
    full = longer.answer_rows(rows, pictures)
    assert all(len(a.split()) <= 3 for a in short)  # at most one word per generated word piece
    assert sum(map(len, full)) > sum(map(len, short))  # an untrained model runs on to the cap


def test_answer_budget_covers_the_gold_answers_of_the_task_sets(small_museum_run: Path, tmp_path: Path) -> None:
    """Sized from the gold answers: long titles and credit lines are not cut by a fixed cap."""
    from museumvqa.evaluation.run import answer_budget

    tables = sorted((small_museum_run / "benchmarks").glob("*.parquet"))
    tables = [t for t in tables if "answers" in pq.read_schema(t).names]
    words = sorted(len(r["answers"][0].split()) for t in tables for r in pq.read_table(t, columns=["answers"]).to_pylist())
    budget = answer_budget(tables)
    assert budget >= 2 * words[int(0.99 * (len(words) - 1))] and 8 <= budget <= 96
    long = tmp_path / "long.parquet"
    pq.write_table(pa.table({"answers": [["word " * 30]] * 100}), long)
    assert answer_budget([long]) == 62  # 2 x 30 words + 2
