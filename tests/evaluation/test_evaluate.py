"""evaluate on all five tasks of a small real museum: answerers, predictions records, resuming, batch size."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from PIL import Image

from museumvqa.errors import UserError
from museumvqa.evaluation.answerers import MajorityBaseline, PredictionsFileAnswerer, make_answerer
from museumvqa.evaluation.predict import predict
from museumvqa.evaluation.retrieval import RetrievalBaseline
from museumvqa.evaluation.run import answer_budget, evaluate_run
from museumvqa.images.reader import load_images

TASKS = ("general", "multiangle", "unanswerable", "multilanguage")


def _tables(run: Path) -> list[Path]:
    return [run / "benchmarks" / f"{t}.parquet" for t in TASKS]


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def evaluated(small_museum_run: Path, tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    run = tmp_path_factory.mktemp("eval")
    for part in ("benchmarks", "shards"):
        shutil.copytree(small_museum_run / part, run / part)
    scores = evaluate_run(
        run,
        [str(tiny_model_dir), "baseline:majority", "baseline:retrieval"],
        batch_size=4,
        bootstrap=50,
        progress=False,
    )
    return run, scores


@pytest.mark.slow
def test_every_task_is_scored_for_the_model_and_both_baselines(evaluated: tuple[Path, dict]) -> None:
    run, scores = evaluated
    manifest = json.loads((run / "benchmarks" / "manifest.json").read_text())
    assert set(scores) == {str(next(iter(scores))), "baseline:majority", "baseline:retrieval"}
    for result in scores.values():
        assert set(result["tasks"]) == set(TASKS)
        built = {task: version for task, version in manifest["content_hash"].items() if manifest["tasks"][task]["rows"]}
        assert result["task_versions"] == built  # the robustness variant is empty here (real views only)
        for task in TASKS:
            assert result["tasks"][task]["overall"]["exact_match"]["n"] == manifest["tasks"][task]["rows"]
        multiangle = result["tasks"]["multiangle"]
        assert multiangle["overall"]["consistency"]["n"] == manifest["tasks"]["multiangle"]["questions"]
        assert set(multiangle["by_view"]) == {"main", "real"}
        assert set(result["tasks"]["multilanguage"]["by_language"]) == {"fr"}
        assert set(result["tasks"]["general"]["by_museum"]) <= {"met", "other"}
        assert "by_continent" in result["tasks"]["general"]
    assert json.loads((run / "scores.json").read_text()) == scores
    # the majority answer is the same on every view: always consistent
    assert scores["baseline:majority"]["tasks"]["multiangle"]["overall"]["consistency"]["value"] == 100.0


@pytest.mark.slow
def test_prediction_lines_record_model_prompt_generation_seed_and_task_version(evaluated: tuple[Path, dict]) -> None:
    run, scores = evaluated
    model_name = next(n for n in scores if not n.startswith("baseline:"))
    lines = _lines(Path(scores[model_name]["predictions"]))
    rows = sum(pq.read_table(t).num_rows for t in _tables(run))
    assert len(lines) == rows
    first = lines[0]
    assert first["model"] == model_name and first["prompt"] == first["question"]
    budget = answer_budget(_tables(run))  # sized from the gold answers when not set
    assert first["generation"] == {"max_new_tokens": budget, "num_beams": 1, "do_sample": False}
    assert first["seed"] == 0 and first["task_version"] == scores[model_name]["task_versions"][first["task"]]
    assert not list((run / "predictions").glob("*.partial.jsonl"))


def test_retrieval_answers_from_the_nearest_training_exhibit(small_museum_run: Path) -> None:
    baseline = RetrievalBaseline(small_museum_run / "benchmarks" / "train.parquet", small_museum_run / "shards")
    train = pq.read_table(small_museum_run / "benchmarks" / "train.parquet").to_pylist()
    row = next(r for r in train if r["category"] == "title" and r["language"] == "en")
    image = load_images(small_museum_run / "shards", [row["image_key"]])[row["image_key"]]
    w, h = image.size
    crop = image.crop((w // 10, h // 10, w - w // 10, h - h // 10))  # another photograph of the same painting
    assert baseline.nearest(crop) == row["exhibit_id"]
    assert baseline.nearest(crop, exclude_key=row["image_key"]) != row["exhibit_id"]  # never the image asked about
    row = {**row, "image_key": "a-visitor-photo"}
    french = {**row, "language": "fr", "question": "Quel est le titre ?"}
    assert baseline.answer_rows([row, french], [crop, crop]) == [row["answers"][0], row["answers"][0]]


@pytest.mark.slow
def test_batch_size_does_not_change_greedy_answers(small_museum_run: Path, tiny_model_dir: Path, tmp_path: Path) -> None:
    answerer = make_answerer(str(tiny_model_dir), batch_size=1)
    tables = [small_museum_run / "benchmarks" / f"{t}.parquet" for t in ("general", "multiangle")]
    one = _lines(predict(tables, small_museum_run / "shards", answerer, tmp_path / "b1.jsonl", 1, False))
    answerer.inner.batch_size = 16
    sixteen = _lines(predict(tables, small_museum_run / "shards", answerer, tmp_path / "b16.jsonl", 16, False))
    assert [p["prediction"] for p in one] == [p["prediction"] for p in sixteen]
    assert len({p["prediction"] for p in one}) > 1  # a random model still answers differently per input


class _Killed(Exception):
    pass


class _DiesAfter:
    """The majority baseline inside a process that is killed after `batches` batches."""

    def __init__(self, inner: MajorityBaseline, batches: int) -> None:
        self.inner, self.left, self.asked = inner, batches, 0
        self.name, self.generation = inner.name, inner.generation

    def prompt(self, row: dict) -> str:
        return self.inner.prompt(row)

    def answer_rows(self, rows: list[dict], images: list[Image.Image]) -> list[str]:
        if self.left == 0:
            raise _Killed
        self.left -= 1
        self.asked += len(rows)
        return self.inner.answer_rows(rows, images)


def test_a_killed_evaluation_continues_where_it_stopped(small_museum_run: Path, tmp_path: Path) -> None:
    majority = MajorityBaseline(small_museum_run / "benchmarks" / "train.parquet")
    tables, shards = _tables(small_museum_run), small_museum_run / "shards"
    expected = _lines(predict(tables, shards, majority, tmp_path / "whole.jsonl", 4, False))
    dying = _DiesAfter(majority, batches=2)
    out = tmp_path / "resumed.jsonl"
    with pytest.raises(_Killed):
        predict(tables, shards, dying, out, 4, False)
    assert not out.exists() and len(_lines(tmp_path / "resumed.rank0.partial.jsonl")) == 8
    finishing = _DiesAfter(majority, batches=1000)
    assert _lines(predict(tables, shards, finishing, out, 4, False)) == expected
    distinct = len({(p["question_id"], p["image_key"]) for p in expected})
    assert finishing.asked == distinct - 8
    again = _DiesAfter(majority, batches=0)  # complete file: reused, nothing asked
    assert _lines(predict(tables, shards, again, out, 4, False)) == expected


def test_one_process_accelerate_gives_the_same_predictions(small_museum_run: Path, tmp_path: Path) -> None:
    from accelerate import Accelerator

    majority = MajorityBaseline(small_museum_run / "benchmarks" / "train.parquet")
    tables, shards = _tables(small_museum_run), small_museum_run / "shards"
    plain = _lines(predict(tables, shards, majority, tmp_path / "plain.jsonl", 4, False))
    accelerated = predict(tables, shards, majority, tmp_path / "acc.jsonl", 4, False, accelerator=Accelerator(cpu=True))
    assert _lines(accelerated) == plain


def test_external_predictions_file(small_museum_run: Path, tmp_path: Path) -> None:
    general = pq.read_table(small_museum_run / "benchmarks" / "general.parquet").to_pylist()
    path = tmp_path / "theirs.jsonl"
    path.write_text(
        "".join(
            json.dumps({"question_id": r["question_id"], "prediction": r["answers"][0], "model": "gpt"}) + "\n"
            for r in general
        )
    )
    answerer = make_answerer(f"file:{path}")
    assert isinstance(answerer, PredictionsFileAnswerer) and answerer.name == "gpt"
    lines = _lines(
        predict(
            [small_museum_run / "benchmarks" / "general.parquet"],
            small_museum_run / "shards",
            answerer,
            tmp_path / "o.jsonl",
            4,
            False,
        )
    )
    assert all(p["prediction"] == p["answers"][0] for p in lines)
    with pytest.raises(UserError, match="no prediction for question"):
        predict(
            [small_museum_run / "benchmarks" / "multilanguage.parquet"],
            small_museum_run / "shards",
            answerer,
            tmp_path / "x.jsonl",
            4,
            False,
        )


def test_unknown_baseline_and_missing_tasks(small_museum_run: Path, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="unknown baseline"):
        make_answerer("baseline:oracle", small_museum_run / "benchmarks")
    with pytest.raises(UserError, match="task sets missing"):
        evaluate_run(tmp_path, ["baseline:majority"])
    with pytest.raises(UserError, match="was not built"):
        evaluate_run(small_museum_run, ["baseline:majority"], tasks=["nope"])


@pytest.mark.slow
def test_report_of_two_runs_side_by_side(evaluated: tuple[Path, dict], tmp_path: Path) -> None:
    import re

    from museumvqa.evaluation.report import write_report

    run, _ = evaluated
    other = tmp_path / "other"
    shutil.copytree(run, other)
    report = write_report(run, compare=[other], out_dir=tmp_path / "out", settings={"seed": 0})
    markdown = report.read_text()
    html = (tmp_path / "out" / "report.html").read_text()
    assert (
        f"| metric | {run.name}: tiny_blip0 | {run.name}: baseline:majority" in markdown
        or "other: baseline:retrieval" in markdown
    )
    for task in TASKS:
        assert f"### {task} (n = " in markdown
    assert "multiangle: per view" in markdown and "multilanguage" in markdown
    # plots and gallery thumbnails are inlined: the page needs no other file
    assert len(re.findall(r'src="data:image/png;base64,', html)) == 3
    assert len(re.findall(r'src="data:image/jpeg;base64,', html)) >= 5
    assert not re.search(r'src="(?!data:)', html)
    assert (tmp_path / "out" / "report_files" / "tasks.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "(paper, published)" not in markdown and "hatched" in markdown


@pytest.mark.slow
def test_two_processes_merge_to_the_single_process_result(small_museum_run: Path, tmp_path: Path) -> None:
    """Two CPU processes (torchrun + accelerate, gloo): each answers a slice; the merge equals one process."""
    import subprocess
    import sys

    single, double = tmp_path / "single", tmp_path / "double"
    for run in (single, double):
        for part in ("benchmarks", "shards"):
            shutil.copytree(small_museum_run / part, run / part)
    answerers = ["baseline:majority", "baseline:retrieval"]
    evaluate_run(single, answerers, batch_size=4, bootstrap=50, progress=False)
    script = Path(__file__).with_name("distributed_eval.py")
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", str(script), str(double)]
    result = subprocess.run(command + answerers, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "rank 0 of 2 done" in result.stdout and "rank 1 of 2 done" in result.stdout
    for name in ("baseline-majority.jsonl", "baseline-retrieval.jsonl"):
        assert _lines(double / "predictions" / name) == _lines(single / "predictions" / name)
    assert json.loads((double / "scores.json").read_text()) == json.loads(
        (single / "scores.json").read_text().replace(str(single), str(double))
    )


def test_only_empty_task_sets_is_a_user_error_naming_why(small_museum_run: Path, tmp_path: Path) -> None:
    import pyarrow.compute as pc

    from museumvqa.tasks.build import build_benchmarks

    qa = pq.read_table(small_museum_run / "qa.parquet")
    pq.write_table(qa.filter(pc.equal(qa["language"], "en")), tmp_path / "qa.parquet")
    index = small_museum_run / "shards" / "index.parquet"
    build_benchmarks(tmp_path / "qa.parquet", index, tmp_path / "benchmarks")
    with pytest.raises(UserError, match="multilanguage: the QA table holds English questions only"):
        evaluate_run(tmp_path, ["baseline:majority"], tasks=["multilanguage"])


def test_knowing_the_catalogue_answers_other_views_of_known_exhibits(small_museum_run: Path, tmp_path: Path) -> None:
    for part in ("benchmarks", "shards"):
        shutil.copytree(small_museum_run / part, tmp_path / part)
    scores = evaluate_run(
        tmp_path, ["baseline:retrieval", "oracle:catalogue"], tasks=["multiangle"], bootstrap=20, progress=False
    )
    by_view = {name: result["tasks"]["multiangle"]["by_view"] for name, result in scores.items()}
    # a crop of a catalogued painting finds that painting's main view, and answers from its record
    assert by_view["oracle:catalogue"]["real"]["exact_match"]["value"] == 100.0
    assert by_view["baseline:retrieval"]["real"]["exact_match"]["value"] < 100.0
    # the image asked about is never its own answer: on main views the catalogue knows no more than training
    assert by_view["oracle:catalogue"]["main"]["exact_match"]["value"] < 100.0
