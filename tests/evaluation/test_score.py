import json
from pathlib import Path

import pytest

from museumvqa.errors import UserError
from museumvqa.evaluation.metrics import Figure
from museumvqa.evaluation.score import (
    read_predictions,
    score_file,
    score_rows,
    scores_to_json,
)
from museumvqa.evaluation.tables import scores_table


def _row(qid: str, category: str, answers: list[str], prediction: str, model: str, language: str = "en") -> dict:
    return {
        "question_id": qid,
        "exhibit_id": "met:" + qid,
        "task": "general",
        "category": category,
        "language": language,
        "question": "What is it?",
        "answers": answers,
        "prediction": prediction,
        "model": model,
    }


# model "tuned", per answer:
#   q1 title  "the harvesters" vs "The Harvesters":          p = 1,   r = 1,   exact
#   q2 title  "wheat" vs "Wheat Fields":                     p = 1,   r = 1/2
#   q3 medium "oil on wood" vs "Oil on canvas":              p = 2/3, r = 2/3
#   q4 medium (fr) "l'huile sur bois" vs "Huile sur toile":  p = 2/3, r = 2/3  (l' dropped)
# model "majority" answers "oil on canvas" everywhere: only q3 right (p = r = 1, exact), the rest 0.
ROWS = [
    _row("q1", "title", ["The Harvesters"], "the harvesters", "tuned"),
    _row("q2", "title", ["Wheat Fields"], "wheat", "tuned"),
    _row("q3", "medium", ["Oil on canvas"], "oil on wood", "tuned"),
    _row("q4", "medium", ["Huile sur toile"], "l'huile sur bois", "tuned", language="fr"),
    _row("q1", "title", ["The Harvesters"], "oil on canvas", "majority"),
    _row("q2", "title", ["Wheat Fields"], "oil on canvas", "majority"),
    _row("q3", "medium", ["Oil on canvas"], "oil on canvas", "majority"),
    _row("q4", "medium", ["Huile sur toile"], "oil on canvas", "majority", language="fr"),
]


def _write(path: Path, rows: list[dict]) -> Path:
    lines = [json.dumps(r) for r in rows]
    path.write_text("\n".join(lines[:2] + [""] + lines[2:]) + "\n", encoding="utf-8")  # a blank line is skipped
    return path


def _values(figures: dict[str, Figure], lenient: bool = False) -> dict[str, float]:
    """The strict answer metrics' values (or, with `lenient`, the lenient ones)."""
    return {
        name: round(fig.value, 2)
        for name, fig in figures.items()
        if not name.startswith("bleu") and name.startswith("lenient_") == lenient
    }


def test_score_file_by_hand(tmp_path: Path) -> None:
    scores = score_file(_write(tmp_path / "predictions.jsonl", ROWS), bootstrap=200)
    tuned = scores["tuned"]["general"]
    assert _values(tuned["overall"]) == {
        "complete_precision": 50.0,  # (1 + 1 + 0 + 0) / 4
        "partial_precision": 83.33,  # (1 + 1 + 2/3 + 2/3) / 4
        "complete_recall": 25.0,  # (1 + 0 + 0 + 0) / 4
        "partial_recall": 70.83,  # (1 + 1/2 + 2/3 + 2/3) / 4
        "exact_match": 25.0,  # 1 / 4
    }
    assert _values(tuned["by_category"]["title"]) == {
        "complete_precision": 100.0,
        "partial_precision": 100.0,
        "complete_recall": 50.0,  # (1 + 0) / 2
        "partial_recall": 75.0,  # (1 + 1/2) / 2
        "exact_match": 50.0,
    }
    assert _values(tuned["by_category"]["medium"]) == {
        "complete_precision": 0.0,
        "partial_precision": 66.67,
        "complete_recall": 0.0,
        "partial_recall": 66.67,
        "exact_match": 0.0,
    }
    assert set(_values(scores["majority"]["general"]["overall"]).values()) == {25.0}  # 1 of 4 everywhere
    # no accent, date or surname in these answers: lenient matching says what strict matching says
    assert _values(tuned["overall"], lenient=True) == {
        "lenient_exact_match": 25.0,
        "lenient_complete_precision": 50.0,
        "lenient_partial_precision": 83.33,
    }
    assert tuned["overall"]["bleu1"].n == 4
    assert tuned["by_category"]["title"]["exact_match"].n == 2


def test_group_by_any_field_and_overall_does_not_depend_on_groups() -> None:
    tuned = [r for r in ROWS if r["model"] == "tuned"]
    by_language = score_rows(tuned, group_by=("language",), bootstrap=100)
    plain = score_rows(tuned, group_by=(), bootstrap=100)
    assert set(by_language) == {"overall", "by_language"}
    assert set(plain) == {"overall"}
    assert by_language["overall"] == plain["overall"]
    assert by_language["by_language"]["fr"]["exact_match"].n == 1
    with pytest.raises(UserError, match="cannot group by 'view'"):
        score_rows(tuned, group_by=("view",), bootstrap=10)


def test_scores_to_json_is_plain_json(tmp_path: Path) -> None:
    scores = score_file(_write(tmp_path / "p.jsonl", ROWS), bootstrap=50)
    data = json.loads(json.dumps(scores_to_json(scores)))
    figure = data["tuned"]["general"]["overall"]["exact_match"]
    assert set(figure) == {"value", "n", "low", "high"}
    assert figure["value"] == pytest.approx(25.0)
    assert figure["n"] == 4


def test_scores_table_puts_answerers_side_by_side(tmp_path: Path) -> None:
    scores = scores_to_json(score_file(_write(tmp_path / "p.jsonl", ROWS), bootstrap=50))
    table = scores_table({model: {"tasks": tasks} for model, tasks in scores.items()})
    lines = table.splitlines()
    assert lines[0] == "### general (n = 4, 95% bootstrap intervals)"
    assert lines[2] == "| metric | majority | tuned |"
    row = next(line for line in lines if line.startswith("| complete precision |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1].startswith("25.0 [") and cells[2].startswith("50.0 [")
    title = next(line for line in lines if line.startswith("| title |"))
    # title: n 2; majority 0 everywhere; tuned partial precision 100, complete precision 100, partial recall 75,
    # exact 50, lenient exact 50
    cells = [c.strip() for c in title.strip("|").split("|")]
    assert cells[:7] == ["title", "2", *["0.0 [0.0, 0.0]"] * 5]
    assert cells[7:9] == ["100.0 [100.0, 100.0]", "100.0 [100.0, 100.0]"]  # both title answers have p = 1
    # partial recall 75 over r = 1, 1/2: resamples give 50, 75 or 100; exact match 50 over 1, 0: 0, 50 or 100
    assert cells[9].startswith("75.0 [") and cells[10].startswith("50.0 [") and cells[11].startswith("50.0 [")
    low, high = (float(x) for x in cells[9].removeprefix("75.0 [").rstrip("]").split(", "))
    assert 50.0 <= low <= 75.0 <= high <= 100.0
    # General's per-category breakdown is the Category-wise task
    assert (
        "### Category-wise (general per category) (value [95% bootstrap interval], strict matching unless marked "
        "(lenient))" in lines
    )
    assert any(line.startswith("Matching is strict (normalised words) unless a label says (lenient)") for line in lines)


def _bad(**changes: object) -> str:
    row = _row("q9", "title", ["Wheat Fields"], "wheat", "tuned")
    row.update(changes)
    return json.dumps({k: v for k, v in row.items() if v is not ...})


GOOD = json.dumps(_row("q1", "title", ["The Harvesters"], "harvesters", "tuned"))


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ('{"question_id": "q9", ', "not valid JSON"),
        ("[1, 2]", "expected a JSON object, got list"),
        (_bad(prediction=...), "missing field 'prediction'"),
        (_bad(prediction=3), "field 'prediction' must be a string, got int"),
        (_bad(answers=[]), "'answers' must be a non-empty list of strings"),
        (_bad(answers="Wheat Fields"), "'answers' must be a non-empty list of strings"),
        (_bad(answers=["Wheat", 2]), "'answers' must be a non-empty list of strings"),
        (_bad(answers=["Wheat", " "]), "'answers' holds a blank answer"),
        (_bad(question_id="q1"), "question_id 'q1' of task 'general' and model 'tuned' already on line 1"),
    ],
)
def test_bad_line_names_file_and_line(tmp_path: Path, bad_line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(f"{GOOD}\n\n{bad_line}\n", encoding="utf-8")  # the bad line is line 3
    with pytest.raises(UserError) as error:
        read_predictions(path)
    assert str(error.value).startswith(f"{path}:3: ")
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_the_same_question_of_two_models_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "two.jsonl"
    path.write_text(f"{GOOD}\n{_bad(question_id='q1', model='other')}\n", encoding="utf-8")
    assert [r["model"] for r in read_predictions(path)] == ["tuned", "other"]


def test_empty_or_missing_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(UserError, match="no predictions"):
        read_predictions(empty)
    with pytest.raises(UserError, match="no such predictions file"):
        score_file(tmp_path / "absent.jsonl")
