"""The report says in its first lines, before any table, whether each model's test answers collapsed:
predictions files evaluated on a real small run (Met paintings, their task sets and training split)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from helpers.small_museum import build_small_museum

from museumvqa.evaluation.normalize import normalize_answer
from museumvqa.evaluation.report import write_report
from museumvqa.evaluation.run import evaluate_run
from museumvqa.tasks.build import build_benchmarks


def _task_rows(run: Path) -> list[dict]:
    manifest = json.loads((run / "benchmarks" / "manifest.json").read_text())
    tables = [run / "benchmarks" / f"{task}.parquet" for task, info in manifest["tasks"].items() if info["rows"]]
    return [row for table in tables for row in pq.read_table(table).to_pylist()]


def _predictions(path: Path, rows: list[dict], answer) -> str:
    lines = [
        json.dumps({"question_id": r["question_id"], "image_key": r["image_key"], "prediction": answer(r)})
        for r in rows
    ]
    path.write_text("\n".join(lines) + "\n")
    return f"file:{path}"


def _head(report: str) -> str:
    """What the report says before its first table or section."""
    return report.split("\n## ", 1)[0].split("\n|", 1)[0]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small museum with 60% of its exhibits held out: 61 distinct test questions, enough to call a
    collapse (training/collapse.py asks for 50)."""
    run = tmp_path_factory.mktemp("collapse_run")
    paths = build_small_museum(run)
    build_benchmarks(
        paths["qa"], paths["index"], run / "benchmarks", seed=0, test_fraction=0.6, exhibits=paths["exhibits"]
    )
    return run


@pytest.fixture(scope="module")
def report(run: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A constant answerer, the gold answers, and the per-(category, language) training majority given as a
    predictions file (not named baseline:), beside the majority baseline itself."""
    files = tmp_path_factory.mktemp("answers")
    rows = _task_rows(run)
    evaluate_run(run, ["baseline:majority"], bootstrap=20, progress=False)
    majority = (run / "predictions" / "baseline-majority.jsonl").read_text().splitlines()
    prior = {(p["question_id"], p["image_key"]): p["prediction"] for p in map(json.loads, majority)}
    answerers = [
        _predictions(files / "collapsed.jsonl", rows, lambda r: "painting"),
        _predictions(files / "gold.jsonl", rows, lambda r: r["answers"][0]),
        _predictions(files / "prior.jsonl", rows, lambda r: prior[(r["question_id"], r["image_key"])]),
        "baseline:majority",  # answered already: its predictions file is reused
    ]
    evaluate_run(run, answerers, bootstrap=20, progress=False)
    return write_report(run, gallery_per_group=0).read_text()


def test_a_constant_answerer_is_flagged_before_any_table(report: str) -> None:
    head = _head(report)
    assert head.startswith("# museumvqa run report\n")
    assert "**WARNING model collapse**: file:collapsed.jsonl: 100% of 61 answers are 'painting'" in head
    assert "only 1 distinct answer over 61 questions" in head


def test_an_answerer_that_gives_the_training_majority_is_flagged(report: str) -> None:
    line = next(line for line in _head(report).splitlines() if "file:prior.jsonl" in line)
    assert line.startswith("**WARNING model collapse**")
    assert "100% of 61 answers are their category's majority answer" in line


def test_varied_answers_say_so_in_one_short_line(run: Path, report: str) -> None:
    gold = {normalize_answer(r["answers"][0], r["language"]) for r in _task_rows(run)}
    line = next(line for line in _head(report).splitlines() if "file:gold.jsonl" in line)
    assert line == f"file:gold.jsonl: answers vary: {len(gold)} distinct over 61 questions"


def test_baselines_are_never_flagged(report: str) -> None:
    assert "baseline:majority" not in _head(report)  # the majority by design, not a collapse
    assert "baseline:majority" in report  # yet scored


def test_the_html_report_carries_the_warning_before_its_first_table(run: Path, report: str) -> None:
    html = (run / "report.html").read_text()
    warning = html.index("<strong>WARNING model collapse</strong>: file:collapsed.jsonl")
    assert warning < html.index("<table")


def test_too_few_questions_are_not_called_a_collapse(small_museum_run: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(small_museum_run / "benchmarks", run / "benchmarks")
    shutil.copytree(small_museum_run / "shards", run / "shards")
    answerer = _predictions(tmp_path / "collapsed.jsonl", _task_rows(run), lambda r: "painting")
    evaluate_run(run, [answerer], bootstrap=20, progress=False)
    head = _head(write_report(run, gallery_per_group=0).read_text())
    assert "WARNING" not in head
    assert "file:collapsed.jsonl: 1 distinct answer over 28 questions (too few questions to call a collapse" in head
