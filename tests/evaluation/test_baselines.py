"""Fair baselines: the majority per (category, language), the question-only control, and oracles named so."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from museumvqa.errors import UserError
from museumvqa.evaluation.answerers import make_answerer, reads_pixels
from museumvqa.evaluation.majority import MajorityBaseline
from museumvqa.evaluation.predict import predict
from museumvqa.evaluation.question_only import QuestionOnlyBaseline
from museumvqa.evaluation.retrieval import RetrievalBaseline
from museumvqa.evaluation.run import prediction_file_name
from museumvqa.images.reader import load_images
from museumvqa.questions.generate import generate_questions


def _row(category: str, language: str, question: str, answer: str) -> dict[str, Any]:
    return {"category": category, "language": language, "question": question, "answers": [answer]}


def _table(rows: list[dict[str, Any]], path: Path) -> Path:
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


def _accuracy(answerer: Any, rows: list[dict[str, Any]]) -> float:
    answers = answerer.answer_rows(rows, [])
    return sum(answer in row["answers"] for answer, row in zip(answers, rows)) / len(rows)


def test_majority_answers_each_language_in_its_own_language(tmp_path: Path) -> None:
    train = _table(
        [_row("medium", "en", "What is it made of?", "Oil on canvas")] * 3
        + [_row("medium", "fr", "En quoi est-il fait ?", "Huile sur toile")] * 2
        + [_row("title", "en", "What is its title?", title) for title in ("Zebra", "Apple", "Zebra", "Apple")],
        tmp_path / "train.parquet",
    )
    majority = MajorityBaseline(train)
    asked = [_row("medium", "en", "?", ""), _row("medium", "fr", "?", ""), _row("medium", "de", "?", "")]
    asked += [_row("title", "fr", "?", ""), _row("title", "en", "?", ""), _row("date", "en", "?", "")]
    # de never trained: the category's majority across languages; a tie goes to the smaller text
    assert majority.answer_rows(asked, []) == [
        "Oil on canvas",
        "Huile sur toile",
        "Oil on canvas",
        "Apple",
        "Apple",
        "",
    ]
    assert majority.generation["training_languages"] == ["en", "fr"]
    assert majority.generation["categories_missing_per_language"] == {"fr": ["title"]}
    assert "across languages" in majority.generation["fallback"]


def test_question_only_learns_what_the_question_gives_away(tmp_path: Path) -> None:
    """A name or an object noun in the question decides the answer; held-out wordings still find it."""
    rows = [_row("death_year", "en", "When did Rembrandt die?", "1669")] * 6
    rows += [_row("death_year", "en", "When did Carpaccio die?", "1525")] * 2
    rows += [_row("death_year", "en", "When did Vermeer die?", "1675")] * 2
    rows += [
        _row("medium", "en", f"What is this painting {verb}?", "Oil on canvas") for verb in ("made of", "painted on")
    ] * 3
    rows += [_row("medium", "en", "What is this handscroll made of?", "Ink and color on silk")] * 2
    train = _table(rows, tmp_path / "train.parquet")
    held_out = [
        _row("death_year", "en", "In which year did Carpaccio die?", "1525"),
        _row("death_year", "en", "When did the painter Vermeer die?", "1675"),
        _row("medium", "en", "What is the medium of this handscroll?", "Ink and color on silk"),
    ]
    question_only, majority = QuestionOnlyBaseline(train), MajorityBaseline(train)
    assert _accuracy(question_only, held_out) == 1.0 and _accuracy(majority, held_out) == 0.0
    # nothing to go on: the (category, language)'s majority, as the majority baseline answers
    unknown = [_row("death_year", "en", "When did Titian die?", "1576"), _row("medium", "en", "Material?", "")]
    assert question_only.answer_rows(unknown, []) == majority.answer_rows(unknown, []) == ["1669", "Oil on canvas"]
    # answers only what training answered for that (category, language); the fallback otherwise
    french = [_row("death_year", "fr", "Quand Carpaccio est-il mort ?", "1525")]
    assert question_only.answer_rows(french, []) == ["1669"]


def test_question_only_beats_or_equals_majority_on_generated_questions(ingested_sample: Path, tmp_path: Path) -> None:
    """The Met sample's generated questions in three languages, a quarter of the exhibits held out."""
    generate_questions(ingested_sample / "exhibits", tmp_path, languages=["en", "fr", "de"], seed=0, progress=False)
    rows = pq.read_table(tmp_path / "qa.parquet").to_pylist()
    held_out = set(sorted({row["exhibit_id"] for row in rows})[::4])
    train = _table([r for r in rows if r["exhibit_id"] not in held_out], tmp_path / "train.parquet")
    test = [r for r in rows if r["exhibit_id"] in held_out]
    majority, question_only = MajorityBaseline(train), QuestionOnlyBaseline(train)
    assert _accuracy(question_only, test) >= _accuracy(majority, test) > 0.2
    french = [r for r in test if r["language"] == "fr"]
    french_training_answers = {r["answers"][0] for r in pq.read_table(train).to_pylist() if r["language"] == "fr"}
    assert set(majority.answer_rows(french, [])) <= french_training_answers


def test_pixel_free_baselines_open_no_shard(small_museum_run: Path, tmp_path: Path) -> None:
    """Majority and question-only are predicted with no shards folder at all: no image is decoded."""
    train = small_museum_run / "benchmarks" / "train.parquet"
    tables = [small_museum_run / "benchmarks" / f"{task}.parquet" for task in ("general", "multilanguage")]
    for answerer in (MajorityBaseline(train), QuestionOnlyBaseline(train)):
        assert not reads_pixels(answerer)
        path = predict(
            tables, tmp_path / "no-shards", answerer, tmp_path / prediction_file_name(answerer.name), 4, False
        )
        lines = [json.loads(line) for line in path.read_text().splitlines()]
        assert len(lines) == sum(pq.read_metadata(t).num_rows for t in tables)
        assert {line["generation"]["training_languages"][0] for line in lines} == {"en"}
    assert reads_pixels(RetrievalBaseline(train, small_museum_run / "shards"))


def test_retrieval_falls_back_to_the_majority_of_the_question_language(small_museum_run: Path, tmp_path: Path) -> None:
    """An exhibit whose record lacks the category is answered with that (category, language)'s majority."""
    rows = pq.read_table(small_museum_run / "benchmarks" / "train.parquet").to_pylist()
    known = next(r for r in rows if r["category"] == "medium" and r["language"] == "en")
    french = [
        {**r, "answers": ["Huile sur toile"]} if (r["category"], r["language"]) == ("medium", "fr") else r for r in rows
    ]
    kept = [r for r in french if not (r["exhibit_id"] == known["exhibit_id"] and r["category"] == "medium")]
    baseline = RetrievalBaseline(_table(kept, tmp_path / "train.parquet"), small_museum_run / "shards")
    image = load_images(small_museum_run / "shards", [known["image_key"]])[known["image_key"]]
    asked = [{**known, "image_key": "a-visitor-photo"}, {**known, "language": "fr", "image_key": "a-visitor-photo"}]
    assert baseline.nearest(image) == known["exhibit_id"]
    assert baseline.answer_rows(asked, [image, image]) == ["Oil on canvas", "Huile sur toile"]


def test_oracles_are_named_so(small_museum_run: Path) -> None:
    benchmarks, shards = small_museum_run / "benchmarks", small_museum_run / "shards"
    with pytest.raises(UserError, match="baseline:catalogue is now oracle:catalogue"):
        make_answerer("baseline:catalogue", benchmarks, shards)
    with pytest.raises(UserError, match="unknown baseline or oracle 'oracle:nope'; known: .*oracle:catalogue"):
        make_answerer("oracle:nope", benchmarks, shards)
    oracle = make_answerer("oracle:catalogue", benchmarks, shards)
    assert oracle.name == "oracle:catalogue" and "test records" in oracle.generation["method"]
    assert (
        make_answerer("baseline:retrieval", benchmarks, shards)
        .generation["method"]
        .endswith("among training exhibits (colour histogram + grey thumbnail)")
    )
    assert make_answerer("baseline:question-only", benchmarks).name == "baseline:question-only"
    assert prediction_file_name("oracle:catalogue") == "oracle-catalogue.jsonl"
    assert prediction_file_name("baseline:question-only") == "baseline-question-only.jsonl"
