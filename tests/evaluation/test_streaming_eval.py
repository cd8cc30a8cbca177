"""Evaluation that streams: the retrieval baseline searches once per image, predict reads the task tables
in batches and scoring reduces each batch to arrays; none of it may change an answer or a score."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

import museumvqa.evaluation.predict as predict_module
from museumvqa.evaluation.answerers import CATALOGUE_TABLES, make_answerer
from museumvqa.evaluation.majority import majority_answers
from museumvqa.evaluation.predict import predict
from museumvqa.evaluation.score import score_file, scores_to_json
from museumvqa.images.reader import iter_samples, load_images
from museumvqa.images.similarity import image_feature

TASKS = ("general", "multiangle", "multilanguage")


def _tables(run: Path) -> list[Path]:
    return [run / "benchmarks" / f"{task}.parquet" for task in TASKS]


def _brute_force_answers(run: Path, indexed: list[Path], asked: list[dict]) -> list[str]:
    """Each question on its own: cosine to every indexed image (build order, the asked image left out),
    the first best one's exhibit, its first answer for the category in the question's language, else in
    any language, else the training majority."""
    rows = [row for table in indexed for row in pq.read_table(table).to_pylist()]
    exhibit_of = {row["image_key"]: row["exhibit_id"] for row in rows}
    index = [(s.key, image_feature(s.image)) for s in iter_samples(run / "shards", set(exhibit_of))]
    images = load_images(run / "shards", {row["image_key"] for row in asked})
    majority = majority_answers(indexed[0])
    answers = []
    for question in asked:
        feature = image_feature(images[question["image_key"]])
        cosines = [-np.inf if key == question["image_key"] else float(f @ feature) / 2 for key, f in index]
        exhibit = exhibit_of[index[int(np.argmax(cosines))][0]]
        same = [r for r in rows if (r["exhibit_id"], r["category"]) == (exhibit, question["category"])]
        in_language = [r for r in same if r["language"] == question["language"]]
        answers.append(
            (in_language or same)[0]["answers"][0]
            if same
            else majority.answer(question["category"], question["language"])
        )
    return answers


@pytest.mark.parametrize("name", ["baseline:retrieval", "oracle:catalogue"])
def test_retrieval_predictions_equal_a_brute_force_search_per_question(
    small_museum_run: Path, tmp_path: Path, name: str
) -> None:
    benchmarks = small_museum_run / "benchmarks"
    answerer = make_answerer(name, benchmarks, small_museum_run / "shards")
    path = predict(_tables(small_museum_run), small_museum_run / "shards", answerer, tmp_path / "p.jsonl", 4, False)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert len({line["image_key"] for line in lines}) < len(lines)  # images asked several questions: searches shared
    indexed = [benchmarks / "train.parquet"]
    if name == "oracle:catalogue":
        indexed += sorted(t for t in benchmarks.glob("*.parquet") if t.stem in CATALOGUE_TABLES)
    expected = _brute_force_answers(small_museum_run, indexed, lines)
    assert [line["prediction"] for line in lines] == expected


def test_predictions_do_not_depend_on_how_many_rows_are_read_at_once(
    small_museum_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answerer = make_answerer("baseline:retrieval", small_museum_run / "benchmarks", small_museum_run / "shards")
    tables, shards = _tables(small_museum_run), small_museum_run / "shards"
    whole = predict(tables, shards, answerer, tmp_path / "whole.jsonl", 4, False).read_text()
    monkeypatch.setattr(predict_module, "READ_ROWS", 3)
    assert predict(tables, shards, answerer, tmp_path / "threes.jsonl", 4, False).read_text() == whole
    assert len(whole.splitlines()) == sum(pq.read_metadata(t).num_rows for t in tables)


def test_scores_do_not_depend_on_how_many_lines_are_read_at_once(small_museum_run: Path, tmp_path: Path) -> None:
    """Two models, three tasks, questions asked on several views: line by line or all at once, the same
    scores.json, declared breakdowns and consistency included."""
    benchmarks, shards = small_museum_run / "benchmarks", small_museum_run / "shards"
    parts = [
        predict(
            _tables(small_museum_run), shards, make_answerer(n, benchmarks, shards), tmp_path / f"{i}.jsonl", 4, False
        )
        for i, n in enumerate(("baseline:retrieval", "baseline:majority"))
    ]
    both = tmp_path / "both.jsonl"
    both.write_text("".join(part.read_text() for part in parts))
    whole = scores_to_json(score_file(both, bootstrap=30))
    assert scores_to_json(score_file(both, bootstrap=30, batch_rows=1)) == whole
    assert set(whole) == {"baseline:retrieval", "baseline:majority"}
    assert "consistency" in whole["baseline:retrieval"]["multiangle"]["overall"]
    by_language = scores_to_json(score_file(both, group_by=("language",), bootstrap=30, batch_rows=5))
    assert by_language == scores_to_json(score_file(both, group_by=("language",), bootstrap=30))
