"""Evaluation answered in slices, by processes or Ray tasks each with its own answerer built from the spec,
writes the very predictions file that one process writes, and leaves no partial file behind."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from museumvqa.errors import UserError
from museumvqa.evaluation.answerers import make_answerer
from museumvqa.evaluation.predict import predict
from museumvqa.evaluation.run import evaluate_run
from museumvqa.evaluation.slices import Slices

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]
TASKS = ("general", "multiangle", "multilanguage", "unanswerable")


def _predict(run: Path, out: Path, slices: Slices | None) -> str:
    build = partial(make_answerer, "baseline:retrieval", run / "benchmarks", run / "shards")
    tables = [run / "benchmarks" / f"{task}.parquet" for task in TASKS]
    path = predict(tables, run / "shards", build(), out, 4, False, slices=slices)
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]  # the slices' partial files are merged away
    return path.read_text()


def test_process_and_ray_slices_write_the_same_predictions(small_museum_run: Path, tmp_path: Path, local_ray) -> None:
    build = partial(make_answerer, "baseline:retrieval", small_museum_run / "benchmarks", small_museum_run / "shards")
    here = _predict(small_museum_run, tmp_path / "here" / "p.jsonl", None)
    assert len(here.splitlines()) > 20
    assert _predict(small_museum_run, tmp_path / "processes" / "p.jsonl", Slices(build, 2)) == here
    assert _predict(small_museum_run, tmp_path / "ray-1" / "p.jsonl", Slices(build, 1, ray=True)) == here
    assert _predict(small_museum_run, tmp_path / "ray-3" / "p.jsonl", Slices(build, 3, ray=True)) == here


def test_evaluate_on_ray_scores_what_evaluate_in_process_scores(
    small_museum_run: Path, tmp_path: Path, local_ray
) -> None:
    runs = {}
    for name, options in {"here": {}, "ray": {"ray": True, "workers": 2}}.items():
        run = tmp_path / name
        run.mkdir()
        for stage in ("benchmarks", "shards"):
            (run / stage).symlink_to(small_museum_run / stage, target_is_directory=True)
        runs[name] = evaluate_run(run, ["baseline:majority"], bootstrap=20, progress=False, **options)
    prediction = "baseline-majority.jsonl"
    assert (tmp_path / "ray" / "predictions" / prediction).read_bytes() == (
        tmp_path / "here" / "predictions" / prediction
    ).read_bytes()
    assert runs["ray"]["baseline:majority"]["tasks"] == runs["here"]["baseline:majority"]["tasks"]


def test_no_workers_is_one_line(small_museum_run: Path, tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"^--workers 0: give 1 or more$"):
        evaluate_run(tmp_path, ["baseline:majority"], workers=0)
