"""Answer consistency across views and semantic match, reproduced by hand; breakdowns picked from the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from museumvqa.evaluation.score import score_file, score_rows
from museumvqa.evaluation.semantic import SemanticMatcher


def _row(qid: str, image: str, prediction: str, answers: list[str], **extra: str) -> dict:
    return {
        "question_id": qid,
        "exhibit_id": "met:" + qid,
        "task": "multiangle",
        "category": "medium",
        "language": "en",
        "question": "What is it made of?",
        "answers": answers,
        "prediction": prediction,
        "model": "m",
        "image_key": image,
        **extra,
    }


# q1 on 3 views: "Oil on canvas", "oil on canvas!", "the oil on canvas" -> one normalised answer: consistent
# q2 on 2 views: "tempera", "oil" -> inconsistent
# q3 on 2 views: "", "" -> consistent (the same non-answer)
# consistency = 2 / 3 questions
ROWS = [
    _row("q1", "a", "Oil on canvas", ["Oil on canvas"], view="main", museum="met", continent="Europe"),
    _row("q1", "b", "oil on canvas!", ["Oil on canvas"], view="real", museum="met", continent="Europe"),
    _row("q1", "c", "the oil on canvas", ["Oil on canvas"], view="generated", museum="met", continent="Europe"),
    _row("q2", "a", "tempera", ["Tempera on wood"], view="main", museum="met", continent="Asia"),
    _row("q2", "b", "oil", ["Tempera on wood"], view="real", museum="met", continent="Asia"),
    _row("q3", "a", "", ["Ink"], view="main", museum="other", continent="Asia"),
    _row("q3", "b", "", ["Ink"], view="real", museum="other", continent="Asia"),
]


def test_consistency_by_hand() -> None:
    scores = score_rows(ROWS, group_by=("view",), bootstrap=200)
    consistency = scores["overall"]["consistency"]
    assert consistency.value == pytest.approx(200 / 3) and consistency.n == 3
    assert 0 <= consistency.low <= consistency.value <= consistency.high <= 100
    # per view, each question is asked once: accuracy per view, no consistency
    main = scores["by_view"]["main"]
    assert "consistency" not in main and main["exact_match"].n == 3
    # main view: q1 exact, q2 "tempera" vs "tempera on wood" (p = 1, r = 1/3), q3 empty (0)
    assert main["exact_match"].value == pytest.approx(100 / 3)
    assert main["complete_precision"].value == pytest.approx(200 / 3)
    assert main["partial_recall"].value == pytest.approx(100 * (1 + 1 / 3 + 0) / 3)


def test_file_breakdowns_follow_the_fields_present(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    scores = score_file(path, bootstrap=50)["m"]["multiangle"]
    assert {k for k in scores if k.startswith("by_")} == {
        "by_category",
        "by_language",
        "by_museum",
        "by_continent",
        "by_view",
    }
    assert scores["by_continent"]["Asia"]["exact_match"].n == 4
    assert scores["by_museum"]["other"]["consistency"].value == 100.0


@pytest.mark.slow
def test_semantic_match_by_hand() -> None:
    matcher = SemanticMatcher(threshold=0.8)
    # cosine with all-MiniLM-L6-v2: paraphrase ~0.89 (match), unrelated ~0.18 (no), alias 1.0 (match), empty 0
    predictions = ["oil paint on canvas", "a dog", "Rembrandt", ""]
    answers = [["Oil on canvas"], ["Oil on canvas"], ["Rembrandt van Rijn", "Rembrandt"], ["Ink"]]
    similarity = matcher.similarity(predictions, answers)
    assert similarity[0] == pytest.approx(0.895, abs=0.01) and similarity[1] < 0.3
    assert similarity[2] == pytest.approx(1.0, abs=1e-5) and similarity[3] == 0.0
    rows = [_row(f"q{i}", "a", p, a) for i, (p, a) in enumerate(zip(predictions, answers))]
    figure = score_rows(rows, group_by=(), bootstrap=100, semantic=matcher)["overall"]["semantic_match"]
    assert figure.value == 50.0 and figure.n == 4
