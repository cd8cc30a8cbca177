"""The CLI of this area end to end on the small museum: benchmarks -> evaluate -> score -> report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from museumvqa.cli import app


def _benchmarks_args(small_museum_run: Path) -> list[str]:
    return [
        "benchmarks",
        "--questions",
        str(small_museum_run / "qa.parquet"),
        "--index",
        str(small_museum_run / "shards" / "index.parquet"),
    ]


@pytest.mark.slow
def test_benchmarks_evaluate_score_report(small_museum_run: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    run = tmp_path / "run"
    run.mkdir()
    (run / "shards").symlink_to(small_museum_run / "shards")
    args = _benchmarks_args(small_museum_run)
    args += ["--out", str(run / "benchmarks"), "--exhibits", str(small_museum_run / "exhibits"), "--test-museum", "other"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    # other:2 copies a Met painting: its photograph and its detail crop are both found, one exhibit removed
    assert "leaks 2 (1 test exhibits removed)" in result.output
    assert "multiangle: 0 rows" in result.output and "empty:" in result.output

    result = runner.invoke(
        app, ["evaluate", "--run", str(run), "--model", "baseline:majority", "--bootstrap", "20", "--quiet"]
    )
    assert result.exit_code == 0, result.output
    assert "### general (n = 5" in result.output and "multiangle" not in result.output

    predictions = run / "predictions" / "baseline-majority.jsonl"
    result = runner.invoke(app, ["score", str(predictions), "--json", "--bootstrap", "20"])
    assert result.exit_code == 0, result.output
    scored = json.loads(result.output)["baseline:majority"]["tasks"]
    assert scored == json.loads((run / "scores.json").read_text())["baseline:majority"]["tasks"]

    result = runner.invoke(app, ["report", str(run), "--out", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "report" / "report.html").is_file()
    assert "empty: no test exhibit has two or more real photographs" in (tmp_path / "report" / "report.md").read_text()


def test_bad_test_museum_is_a_user_error(small_museum_run: Path, tmp_path: Path) -> None:
    args = _benchmarks_args(small_museum_run)
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path), "--test-museum", "louvre"])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1  # one line, as main() prints it
    assert "no exhibits of museum 'louvre'" in result.stderr
