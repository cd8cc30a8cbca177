"""The whole product on a reduced setting of the real Met sample: every stage, then reuse and report."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from museumvqa.images.reader import load_images
from museumvqa.pipeline import run_demo
from museumvqa.serving.ask import ask
from museumvqa.settings import DemoConfig, EvaluateConfig
from museumvqa.training.config import TrainConfig


def _config(records: Path) -> DemoConfig:
    """The demo on a few records, trained and bootstrapped briefly."""
    return DemoConfig(
        records=str(records), evaluate=EvaluateConfig(bootstrap=100), train=TrainConfig(epochs=2, batch_size=16)
    )


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory, met_records: list[dict]) -> tuple[Path, list[str]]:
    folder = tmp_path_factory.mktemp("demo")
    records = folder / "objects.json"
    records.write_text(json.dumps({"objects": met_records[:40]}))
    config = _config(records)
    log: list[str] = []
    run_demo(folder / "run", config, progress=False, log=log.append)
    return folder / "run", log


@pytest.mark.slow
def test_every_stage_writes_its_outputs(demo_run: tuple[Path, list[str]]) -> None:
    run, _ = demo_run
    assert pq.read_table(run / "exhibits" / "part-00000.parquet").num_rows == 40
    assert (run / "shards" / "shard-000000.tar").is_file()
    assert (run / "model" / "model.safetensors").is_file()
    summary = json.loads((run / "model" / "training_summary.json").read_text())
    assert summary["pretrained_weights"] is False and summary["steps"] > 0
    assert [h["step"] for h in summary["eval_history"]] == [summary["steps"]]  # the validation split, at the end
    general = pq.read_table(run / "benchmarks" / "general.parquet").to_pylist()
    lines = (run / "predictions" / "baseline-majority.jsonl").read_text().splitlines()
    tasks = json.loads((run / "benchmarks" / "manifest.json").read_text())["tasks"]
    assert len(lines) == sum(info["rows"] for info in tasks.values())  # one line per row of every task
    scores = json.loads((run / "scores.json").read_text())
    assert set(scores) == {str(run / "model"), "baseline:majority", "baseline:question-only", "baseline:retrieval"}
    for answerer in scores.values():
        assert answerer["tasks"]["general"]["overall"]["exact_match"]["n"] == len(general)
        # Category-wise is General's breakdown by category
        assert set(answerer["tasks"]["general"]["by_category"]) == {r["category"] for r in general}
    report = (run / "report.md").read_text()
    assert "No pretrained weights were used" in report and "baseline:majority" in report
    audit = json.loads((run / "questions" / "audit.json").read_text())
    assert audit["pairs"] == pq.read_metadata(run / "questions" / "qa.parquet").num_rows
    assert "Dataset quality (questions audit)" in report
    assert "data:image/png;base64," in (run / "report.html").read_text()


@pytest.mark.slow
def test_rerun_reuses_finished_stages(demo_run: tuple[Path, list[str]], met_records: list[dict]) -> None:
    run, first_log = demo_run
    assert not any("reusing" in line for line in first_log)
    again: list[str] = []
    run_demo(run, _config(run.parent / "objects.json"), progress=False, log=again.append)
    assert (
        sum("reusing" in line for line in again) == 7
    )  # ingest, questions, audit, shards, benchmarks, train, evaluate


@pytest.mark.slow
def test_ask_answers_like_the_evaluation_of_the_trained_model(demo_run: tuple[Path, list[str]], tmp_path: Path) -> None:
    """`ask` on a stored image gives the answer `evaluate` recorded for that image and question."""
    run, _ = demo_run
    (predictions,) = [p for p in (run / "predictions").glob("*.jsonl") if not p.name.startswith("baseline-")]
    line = json.loads(predictions.read_text().splitlines()[0])
    photo = tmp_path / "photo.png"  # lossless, so ask sees the pixels evaluate saw
    load_images(run / "shards", [line["image_key"]])[line["image_key"]].save(photo)
    assert ask(photo, line["question"], run / "model") == line["prediction"]
