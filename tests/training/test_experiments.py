"""The sampling and scaling experiments on a tiny BLIP and easy-vqa data in a run's real file formats."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pyarrow as pa
import pytest
from easy_vqa_tables import RunTables, easy_vqa_run
from PIL import Image
from typer.testing import CliRunner

from museumvqa.cli import app
from museumvqa.errors import UserError
from museumvqa.io import read_parquet_dir
from museumvqa.training.config import TinyModel, TrainConfig
from museumvqa.training.experiments import nested_subsets, sampling_experiment, scaling_experiment, y_limits

TINY = TrainConfig(
    family="blip",
    tiny=TinyModel(image_size=32, hidden=32, layers=1, heads=2),
    batch_size=8,
    learning_rate=3e-3,
    eval_limit=8,
)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> RunTables:
    return easy_vqa_run(tmp_path_factory.mktemp("easy"), train_images=8, val_images=3)


def questions(exhibits: list[str], per_exhibit: int) -> pa.Table:
    rows = [
        {"question_id": f"{e}-{n}", "exhibit_id": e, "image_key": f"k-{e}"}
        for e in exhibits
        for n in range(per_exhibit)
    ]
    return pa.Table.from_pylist(rows)


def test_nested_subsets_grow_by_whole_exhibits_in_seeded_order():
    table = questions([f"e{i}" for i in range(10)], per_exhibit=3)
    small, large = nested_subsets(table, [5, 12], seed=0)
    assert (small.num_rows, large.num_rows) == (5, 12)
    assert small.column("question_id").to_pylist() == large.column("question_id").to_pylist()[:5]
    order = list(dict.fromkeys(large.column("exhibit_id").to_pylist()))
    assert len(order) == 4  # 3 + 3 + 3 + 3 questions
    assert order != ["e0", "e1", "e2", "e3"]  # shuffled ...
    assert order == list(dict.fromkeys(nested_subsets(table, [12], seed=0)[0].column("exhibit_id").to_pylist()))
    other = nested_subsets(table, [12], seed=1)[0]  # ... by the seed
    assert list(dict.fromkeys(other.column("exhibit_id").to_pylist())) != order


def test_nested_subsets_skip_questions_without_image_and_check_sizes():
    table = questions(["e0", "e1"], per_exhibit=2)
    table = table.set_column(2, "image_key", pa.array(["k", None, "k", "k"]))
    assert nested_subsets(table, [3], seed=0)[0].num_rows == 3
    with pytest.raises(UserError, match="3 questions with an image, fewer than the size 4"):
        nested_subsets(table, [2, 4], seed=0)
    with pytest.raises(UserError, match=r"sizes must be positive and increasing, got \[3, 2\]"):
        nested_subsets(table, [3, 2], seed=0)
    with pytest.raises(UserError, match="needs exhibit_id and image_key columns"):
        nested_subsets(table.drop(["exhibit_id"]), [1], seed=0)


def png_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        assert image.format == "PNG"
        return image.size


def test_score_axis_spans_at_least_twenty_points_inside_0_to_100():
    tie = [{"mean": 33.82, "low": 33.0, "high": 34.6}, {"mean": 33.82, "low": None, "high": None}]
    low, high = y_limits(tie)
    assert high - low == pytest.approx(20.0, abs=0.2) and low < 33.0 and high > 34.6  # not a 2-point cliff
    assert y_limits([{"mean": 1.0, "low": 0.0, "high": 3.0}])[0] == 0.0  # shifted up, never below 0
    assert y_limits([{"mean": 99.0, "low": 97.0, "high": 100.0}])[1] == 100.0
    wide = y_limits([{"mean": 50.0, "low": 10.0, "high": 90.0}])
    assert wide[0] <= 10.0 and wide[1] >= 90.0


@pytest.mark.slow
def test_sampling_runs_both_strategies_per_seed_and_reports_mean_and_t_interval(run, tmp_path):
    out = tmp_path / "sampling"
    config = dataclasses.replace(TINY, eval_every=2)
    report = sampling_experiment(config, run.train, run.shards, run.val, out, steps=4, seeds=3, progress=False)

    assert set(report["runs"]) == {"one", "all"} and report["steps"] == 4 and report["seeds"] == [0, 1, 2]
    assert "t-interval" in report["interval"]
    for strategy, results in report["runs"].items():
        assert [r["seed"] for r in results] == [0, 1, 2]
        for result in results:
            assert result["steps"] == 4  # "one" sees 8 questions an epoch, "all" about 80: epochs differ, steps not
            assert [point["step"] for point in result["eval_history"]] == [2, 4]
            assert result["score"] == result["eval_history"][-1]["exact_match"]
            folder = out / f"strategy-{strategy}" / f"seed-{result['seed']}"
            summary = json.loads((folder / "training_summary.json").read_text())
            assert summary["config"]["strategy"] == strategy and summary["config"]["seed"] == result["seed"]
        scores = [r["score"] for r in results]
        summary = report["summary"][strategy]
        assert summary["n"] == 3 and summary["values"] == scores
        assert summary["mean"] == pytest.approx(sum(scores) / 3)
        assert summary["low"] <= summary["mean"] <= summary["high"]
    paired = [a["score"] - o["score"] for a, o in zip(report["runs"]["all"], report["runs"]["one"])]
    assert report["difference"]["all - one"]["values"] == pytest.approx(paired)
    assert json.loads((out / "sampling.json").read_text()) == report
    assert png_size(out / "sampling.png") == (768, 480)

    model_file = out / "strategy-all" / "seed-1" / "model.safetensors"
    trained_at = model_file.stat().st_mtime_ns
    again = sampling_experiment(config, run.train, run.shards, run.val, out, steps=4, seeds=3, progress=False)
    assert again == report and model_file.stat().st_mtime_ns == trained_at  # finished runs are read back


@pytest.mark.slow
def test_scaling_trains_on_nested_subsets_and_plots_score_vs_size(run, tmp_path):
    out = tmp_path / "scaling"
    config = dataclasses.replace(TINY, epochs=1)
    report = scaling_experiment(config, run.train, run.shards, run.val, out, sizes=[16, 48], seeds=2, progress=False)

    sizes = [r["size"] for r in report["runs"]]
    for result in report["runs"]:
        assert [r["seed"] for r in result["seeds"]] == [0, 1] and result["summary"]["n"] == 2
        assert result["score"] == pytest.approx(sum(r["score"] for r in result["seeds"]) / 2)
        assert (out / f"size-{result['size']}" / "seed-1" / "training_summary.json").is_file()
    assert sizes == [16, 48]
    steps = [r["steps"] for r in report["runs"]]
    assert 2 <= steps[0] < steps[1]  # one epoch each: at least 16 / 8 batches, more for more questions
    small, large = (read_parquet_dir(out / "subsets" / f"train-{s}.parquet") for s in sizes)
    assert small.column("question_id").to_pylist() == large.column("question_id").to_pylist()[:16]
    assert all(0 <= r["score"] <= 100 for r in report["runs"])
    assert png_size(out / "scaling.png") == (768, 480)


@pytest.mark.slow
def test_experiment_commands(run, tmp_path):
    runner = CliRunner()
    args = ["--train", str(run.train), "--val", str(run.val), "--shards", str(run.shards)]
    tiny = ["--set", "tiny.image_size=32", "--set", "tiny.hidden=32", "--set", "tiny.layers=1", "--set", "tiny.heads=2"]
    done = runner.invoke(
        app,
        ["experiment", "scaling", *args, "--out", str(tmp_path / "s"), "--sizes", "8", *tiny, "--set", "epochs=1"]
        + ["--set", "batch_size=8", "--set", "eval_limit=8", "--seeds", "2", "--quiet"],
    )
    assert done.exit_code == 0, done.output
    assert "8 questions: exact_match" in done.output and "(n = 2 seeds)" in done.output
    assert "95% Student t-interval" in done.output and (tmp_path / "s" / "scaling.png").is_file()

    sampled = runner.invoke(
        app,
        ["experiment", "sampling", *args, "--out", str(tmp_path / "m"), "--steps", "2", *tiny, "--seeds", "1"]
        + ["--set", "batch_size=8", "--set", "eval_limit=8", "--quiet"],
    )
    assert sampled.exit_code == 0, sampled.output
    assert "all: exact_match" in sampled.output and "(n = 1 seed, no interval)" in sampled.output
    assert "all - one (paired by seed): " in sampled.output

    bad = runner.invoke(app, ["experiment", "scaling", *args, "--out", str(tmp_path / "x"), "--sizes", "8,a"])
    assert bad.exit_code == 2 and "--sizes: expected comma-separated numbers" in bad.stderr
    unknown = runner.invoke(
        app, ["experiment", "sampling", *args, "--out", str(tmp_path / "y"), "--steps", "1", "--metric", "f1"] + tiny
    )
    assert unknown.exit_code == 2 and "unknown metric 'f1' (known: " in unknown.stderr
    assert not (tmp_path / "y").exists()  # checked before any training
