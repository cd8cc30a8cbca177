"""The registries' contract, checked for every registered metric and task on a small real run, and for a
toy metric and a toy task declared in this file only: each shows up in the task sets, `score`'s output,
scores.json and the report with no production edit. Unknown names are one-line errors listing the known."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from museumvqa.cli import app
from museumvqa.errors import UserError
from museumvqa.evaluation.metrics import METRICS, AnswerScores, Metric, get_metric, register_metric
from museumvqa.evaluation.report import write_report
from museumvqa.evaluation.run import evaluate_run
from museumvqa.evaluation.score import read_predictions, score_rows
from museumvqa.tasks.build import build_benchmarks
from museumvqa.tasks.registry import TASKS, Breakdown, Row, Section, Task, Views, get_tasks, register_task


def _titles(rows: list[Row], views: Views) -> list[Row]:
    return [r for r in rows if r["language"] == "en" and r["category"] == "title"]


def _half_recall(scores: AnswerScores) -> np.ndarray:
    return scores.recall >= 0.5


TOY_METRIC = Metric("toy_half_recall", "toy half recall", per_answer=_half_recall)
TOY_TASK = Task(
    "toy_titles",
    "Toy titles",
    _titles,
    "no English title questions",
    breakdowns=(Breakdown("museum", ("exact_match", "toy_half_recall"), headline=True),),
    sections=(Section("bars", "toy-museums", field="museum"),),
)
METRIC_NAMES = [*METRICS, TOY_METRIC.name]  # taken before the toys are registered
TASK_NAMES = [*TASKS, TOY_TASK.name]
ANSWERERS = ("baseline:majority", "oracle:catalogue")


@pytest.fixture(scope="module")
def toys() -> Iterator[None]:
    """The toy metric and task, registered for this module only."""
    register_metric(TOY_METRIC)
    register_task(TOY_TASK)
    try:
        yield
    finally:
        del METRICS[TOY_METRIC.name], TASKS[TOY_TASK.name]


def _flag_generated(index_path: Path) -> None:
    """Every other exhibit's second view flagged generated, so MultiAngle (real views) and the robustness
    variant (generated views) both have rows."""
    index = pq.read_table(index_path)
    additional = [i for i, role in enumerate(index["role"].to_pylist()) if role == "additional"]
    flagged = set(additional[1::2])
    if "generated" in index.column_names:
        index = index.drop_columns(["generated"])
    pq.write_table(index.append_column("generated", pa.array([i in flagged for i in range(index.num_rows)])), index_path)


@pytest.fixture(scope="module")
def run(small_museum_run: Path, toys: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Task sets (every registered task), two baselines' predictions and scores, and the report."""
    folder = tmp_path_factory.mktemp("contract")
    shutil.copytree(small_museum_run / "shards", folder / "shards")
    _flag_generated(folder / "shards" / "index.parquet")
    manifest = build_benchmarks(
        small_museum_run / "qa.parquet",
        folder / "shards" / "index.parquet",
        folder / "benchmarks",
        seed=0,
        test_fraction=0.3,
        exhibits=small_museum_run / "exhibits",
    )
    scores = evaluate_run(folder, ANSWERERS, bootstrap=50, progress=False)
    report = write_report(folder, gallery_per_group=0).read_text()
    return {"folder": folder, "manifest": manifest, "scores": scores, "report": report}


def _predictions(run: dict[str, Any], task: str) -> list[dict[str, Any]]:
    path = Path(run["scores"]["oracle:catalogue"]["predictions"])
    return [row for row in read_predictions(path) if row["task"] == task]


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.slow) if n == "semantic_match" else n for n in METRIC_NAMES],
)
def test_metric_is_a_percentage_with_its_count_and_interval(run: dict[str, Any], name: str) -> None:
    metric = get_metric(name)
    assert metric.label and isinstance(metric.higher_is_better, bool)
    task = "multiangle" if metric.per_question else "general"
    rows = _predictions(run, task)
    semantic = None
    if not (metric.per_answer or metric.corpus or metric.per_question):  # supplied by the scorer
        assert name == "semantic_match", f"{name}: a supplied metric needs its supplier in this test"
        from museumvqa.evaluation.semantic import SemanticMatcher

        semantic = SemanticMatcher()
    figure = score_rows(rows, group_by=(), bootstrap=50, semantic=semantic)["overall"][name]
    n = len({r["question_id"] for r in rows}) if metric.per_question else len(rows)
    assert figure.n == n
    assert 0.0 <= figure.low <= figure.value + 1e-9 and figure.value <= figure.high + 1e-9 and figure.high <= 100.0


def test_metric_labels_are_unique(toys: None) -> None:
    labels = [m.label for m in METRICS.values()]
    assert len(labels) == len(set(labels))


@pytest.mark.parametrize("name", TASK_NAMES)
def test_task_builds_and_is_scored_and_reported(run: dict[str, Any], name: str) -> None:
    info = run["manifest"]["tasks"][name]
    assert info["rows"] > 0 and info["empty_reason"] is None
    assert (run["folder"] / "benchmarks" / f"{name}.parquet").is_file()
    task = TASKS[name]
    for answerer in ANSWERERS:
        scores = run["scores"][answerer]["tasks"][name]
        assert scores["overall"]["exact_match"]["n"] == info["rows"]
        assert {f"by_{b.field}" for b in task.breakdowns} <= set(scores)
    assert f"### {name} (n = {info['rows']}, 95% bootstrap intervals)" in run["report"]
    for breakdown in task.breakdowns:
        if breakdown.headline:
            named = f"{breakdown.title} ({name} per {breakdown.field})" if breakdown.title else f"{name}: per {breakdown.field}"
            assert f"### {named}" in run["report"]
    for section in task.sections:
        assert (run["folder"] / "report_files" / f"{section.name}.png").is_file()


def test_the_toy_metric_and_task_need_no_production_edit(run: dict[str, Any]) -> None:
    predictions = run["scores"]["baseline:majority"]["predictions"]
    result = CliRunner().invoke(app, ["score", predictions, "--bootstrap", "20"])
    assert result.exit_code == 0, result.output
    toy_rows = run["manifest"]["tasks"][TOY_TASK.name]["rows"]
    for text in (result.output, run["report"]):
        assert f"### {TOY_TASK.name} (n = {toy_rows}, 95% bootstrap intervals)" in text
        assert "| toy half recall |" in text  # the toy metric, in every task's overall table
        assert f"### {TOY_TASK.name}: per museum" in text and "baseline:majority: toy half recall" in text
    assert "Partial precision per museum (Toy titles task)." in run["report"]
    assert "toy_half_recall" in run["scores"]["baseline:majority"]["tasks"]["general"]["overall"]


def test_unknown_names_are_one_line_errors_listing_the_known() -> None:
    with pytest.raises(UserError) as metric:
        get_metric("accuracy")
    assert "\n" not in str(metric.value) and "exact_match" in str(metric.value)
    with pytest.raises(UserError) as task:
        get_tasks(["general", "vqa"])
    assert "\n" not in str(task.value) and "['vqa']" in str(task.value) and "multilanguage" in str(task.value)
    with pytest.raises(ValueError, match="already registered"):
        register_metric(Metric("exact_match", "again"))
