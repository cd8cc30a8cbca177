"""Paired bootstrap differences between answerers on the same rows: by hand, refusals, the report's
section and the `compare` command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from museumvqa.cli import app
from museumvqa.errors import UserError
from museumvqa.evaluation.comparisons import compare_files
from museumvqa.evaluation.paired import paired_difference
from museumvqa.evaluation.report import write_report
from museumvqa.evaluation.score import score_file, scores_to_json


def _row(qid: str, prediction: str, answers: list[str], model: str, task: str = "general") -> dict:
    return {
        "question_id": qid,
        "exhibit_id": "met:" + qid,
        "task": task,
        "category": "medium",
        "language": "en",
        "question": "What is it made of?",
        "answers": answers,
        "prediction": prediction,
        "model": model,
        "image_key": "k-" + qid,
    }


GOLD = {"q1": ["Oil on canvas"], "q2": ["Tempera on wood"], "q3": ["Ink"], "q4": ["Bronze"]}
# model: q1, q2, q3 exact, q4 wrong -> exact 75; baseline says "oil on canvas" everywhere: q1 exact -> 25
MODEL = {"q1": "oil on canvas", "q2": "tempera on wood", "q3": "ink", "q4": "marble"}
BASELINE = dict.fromkeys(GOLD, "oil on canvas")


def _rows(answers: dict[str, str], model: str) -> list[dict]:
    return [_row(q, answers[q], GOLD[q], model) for q in GOLD]


def test_difference_by_hand_and_its_interval() -> None:
    d = paired_difference(_rows(MODEL, "m"), _rows(BASELINE, "baseline:majority"), "exact_match", bootstrap=500)
    # per row model - baseline: q1 1 - 1 = 0, q2 1 - 0, q3 1 - 0, q4 0 - 0 -> mean 2/4 = +50 points
    assert (d.metric, d.n) == ("exact_match", 4)
    assert d.value == pytest.approx(50.0)
    assert 0.0 <= d.low <= d.value <= d.high <= 100.0  # per-row differences are 0 or 1: the mean stays in [0, 100]
    same = paired_difference(_rows(MODEL, "m"), _rows(MODEL, "n"), "partial_precision", bootstrap=50)
    assert (same.value, same.low, same.high) == (0.0, 0.0, 0.0)


def test_rows_are_matched_by_key_not_by_order_and_resampled_jointly() -> None:
    rng = np.random.default_rng(0)
    gold = {f"q{i}": [f"word{i % 7}"] for i in range(200)}
    a = [_row(q, g[0] if rng.random() < 0.6 else "x", g, "a") for q, g in gold.items()]
    b = [_row(q, g[0] if rng.random() < 0.5 else "y", g, "b") for q, g in gold.items()]
    forward = paired_difference(a, b, "exact_match", bootstrap=300)
    shuffled = paired_difference(a, b[::-1], "exact_match", bootstrap=300)
    assert forward == shuffled
    # the paired interval is no wider than the difference of two separate intervals would suggest
    assert forward.high - forward.low < 2 * 1.96 * 100 * np.sqrt(2 * 0.25 / 200)


def test_a_corpus_metric_is_compared_too() -> None:
    d = paired_difference(_rows(MODEL, "m"), _rows(BASELINE, "b"), "bleu1", bootstrap=100)
    assert d.n == 4 and d.value > 0 and d.low <= d.value <= d.high


def test_different_rows_or_gold_are_refused_in_one_line() -> None:
    model = _rows(MODEL, "m")
    with pytest.raises(UserError) as missing:
        paired_difference(model, _rows(BASELINE, "b")[:3], "exact_match", names=("m", "b"))
    message = str(missing.value)
    assert "\n" not in message and "not answered on the same rows (4 vs 3; 1 only in 'm', 0 only in 'b'" in message
    other_gold = [dict(r, answers=["Marble"]) if r["question_id"] == "q4" else r for r in _rows(BASELINE, "b")]
    with pytest.raises(UserError, match="different gold answers"):
        paired_difference(model, other_gold, "exact_match")
    with pytest.raises(UserError, match="more than once"):
        paired_difference(model + model[:1], _rows(BASELINE, "b"), "exact_match")
    with pytest.raises(UserError, match="per-question"):
        paired_difference(model, _rows(BASELINE, "b"), "consistency")


def _run(tmp_path: Path) -> Path:
    """A run folder holding two answerers' predictions and their scores.json, as `evaluate` writes them."""
    run = tmp_path / "run"
    (run / "predictions").mkdir(parents=True)
    scores = {}
    for name, answers in (("/models/tiny", MODEL), ("baseline:majority", BASELINE)):
        path = run / "predictions" / (name.replace(":", "-").strip("/").replace("/", "-") + ".jsonl")
        path.write_text("".join(json.dumps(r) + "\n" for r in _rows(answers, name)))
        tasks = scores_to_json(score_file(path, bootstrap=50))[name]
        scores[name] = {"predictions": str(path), "seed": 0, "tasks": tasks}
    (run / "scores.json").write_text(json.dumps(scores))
    return run


def test_the_report_shows_the_model_minus_each_baseline_near_the_top(tmp_path: Path) -> None:
    report = write_report(_run(tmp_path), gallery_per_group=0).read_text()
    section = report.index("## Paired differences: models minus baselines")
    assert section < report.index("## Scores")
    assert "### tiny: paired differences" in report
    assert "| task | minus | n | Δ partial precision | Δ complete precision | Δ exact match |" in report
    row = next(line for line in report.splitlines() if line.startswith("| general | baseline:majority |"))
    assert row.split("|")[3].strip() == "4" and row.split("|")[6].strip().startswith("+50.0 [")
    html = (tmp_path / "run" / "report.html").read_text()
    assert "paired 95% bootstrap interval" in html


def test_compare_command(tmp_path: Path) -> None:
    run = _run(tmp_path)
    files = sorted(str(p) for p in (run / "predictions").glob("*.jsonl"))  # baseline first, then the model
    result = CliRunner().invoke(app, ["compare", *files, "--metric", "exact_match", "--bootstrap", "50"])
    assert result.exit_code == 0, result.output
    assert "### baseline:majority: paired differences" in result.output
    assert "| general | /models/tiny | 4 | -50.0 [" in result.output
    first, found = compare_files(files[::-1], ["exact_match"], bootstrap=50)
    assert first == "/models/tiny" and found["baseline:majority"]["general"]["exact_match"].value == 50.0

    short = tmp_path / "short.jsonl"
    short.write_text("".join(json.dumps(r) + "\n" for r in _rows(BASELINE, "b")[:2]))
    refused = CliRunner().invoke(app, ["compare", files[1], str(short)])
    assert refused.exit_code == 2 and refused.stderr.count("\n") == 1
    assert "a paired comparison needs the same rows" in refused.stderr
    alone = CliRunner().invoke(app, ["compare", files[0]])
    assert alone.exit_code == 2 and "needs two answerers" in alone.stderr
