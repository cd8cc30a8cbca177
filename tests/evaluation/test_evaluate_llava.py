"""evaluate with a saved tiny LLaVA: the folder is recognised as LLaVA, every task is scored, each
prediction records the chat-template prompt, and left-padded batches answer like batches of one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from museumvqa.evaluation.answerers import ModelAnswerer, make_answerer
from museumvqa.evaluation.predict import predict
from museumvqa.evaluation.run import answer_budget, evaluate_run
from museumvqa.models.llava import LlavaAnswerer, new_tiny_llava

TASKS = ("general", "multiangle", "unanswerable", "multilanguage")


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def tiny_llava_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised tiny LLaVA saved as a model folder (no weights come from anywhere)."""
    model, processor = new_tiny_llava(image_size=32, hidden=32, layers=1, heads=2)
    folder = tmp_path_factory.mktemp("tiny_llava")
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


@pytest.mark.slow
def test_every_task_is_scored_with_the_chat_prompt_recorded(
    small_museum_run: Path, tiny_llava_dir: Path, tmp_path: Path
) -> None:
    for part in ("benchmarks", "shards"):
        shutil.copytree(small_museum_run / part, tmp_path / part)
    scores = evaluate_run(tmp_path, [str(tiny_llava_dir)], batch_size=4, bootstrap=20, progress=False)
    manifest = json.loads((tmp_path / "benchmarks" / "manifest.json").read_text())
    result = scores[str(tiny_llava_dir)]
    assert set(result["tasks"]) == set(TASKS)
    for task in TASKS:
        assert result["tasks"][task]["overall"]["exact_match"]["n"] == manifest["tasks"][task]["rows"]
    budget = answer_budget([tmp_path / "benchmarks" / f"{t}.parquet" for t in TASKS])
    assert result["generation"] == {"max_new_tokens": budget, "num_beams": 1, "do_sample": False}
    lines = _lines(Path(result["predictions"]))
    assert len(lines) == sum(manifest["tasks"][t]["rows"] for t in TASKS)
    for line in lines:
        assert line["model"] == str(tiny_llava_dir)
        assert line["prompt"] == f"USER: <image>\n{line['question']} ASSISTANT:"
    assert {line["language"] for line in lines} >= {"en", "fr"}


@pytest.mark.slow
def test_left_padded_batches_answer_like_batches_of_one(small_museum_run: Path, tiny_llava_dir: Path, tmp_path: Path) -> None:
    answerer = make_answerer(str(tiny_llava_dir), batch_size=1)
    assert isinstance(answerer, ModelAnswerer) and isinstance(answerer.inner, LlavaAnswerer)
    tables = [small_museum_run / "benchmarks" / f"{t}.parquet" for t in ("general", "unanswerable", "multilanguage")]
    questions = {q for t in tables for q in pq.read_table(t, columns=["question"])["question"].to_pylist()}
    tokenizer = answerer.inner.processor.tokenizer
    assert len({len(tokenizer(answerer.inner.prompt(q)).input_ids) for q in questions}) > 1  # batches are padded
    one = _lines(predict(tables, small_museum_run / "shards", answerer, tmp_path / "b1.jsonl", 1, False))
    answerer.inner.batch_size = 16
    sixteen = _lines(predict(tables, small_museum_run / "shards", answerer, tmp_path / "b16.jsonl", 16, False))
    assert len(one) > 16
    assert [p["prediction"] for p in one] == [p["prediction"] for p in sixteen]
    assert len({p["prediction"] for p in one}) > 1  # a random model still answers differently per input
