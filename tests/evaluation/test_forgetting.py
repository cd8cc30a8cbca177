"""The forgetting check: a model before and after fine-tuning, scored on a general VQA set (easy-vqa, shipped
offline by its package), with a paired interval on the difference; the command's JSON and the report show it."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from museumvqa.cli import app
from museumvqa.errors import UserError
from museumvqa.evaluation.forgetting import forgetting_result
from museumvqa.evaluation.general_vqa import GENERAL_SETS, load_general
from museumvqa.evaluation.report import write_report
from museumvqa.evaluation.score import read_predictions
from museumvqa.training.config import TinyModel, TrainConfig
from museumvqa.training.examples import QAExample
from museumvqa.training.run import train, train_examples

TINY = TinyModel(image_size=32, hidden=32, layers=1, heads=2)


def test_easy_vqa_ships_its_questions_and_images() -> None:
    general = load_general("easy-vqa", "test", limit=200, seed=3)
    assert len(general.questions) == 200 and len({q.question_id for q in general.questions}) == 200
    assert {q.image_key for q in general.questions} == set(general.images)
    assert {image.mode for image in general.images.values()} == {"RGB"}
    kinds = {q.category: q.answers[0] for q in general.questions}
    assert set(kinds) == {"yes/no", "shape", "color"} and kinds["yes/no"] in ("yes", "no")
    assert load_general("easy-vqa", "test", 200, 3).questions == general.questions  # the seed decides
    assert load_general("easy-vqa", "test", 200, 4).questions != general.questions


def test_a_set_is_one_declaration_and_unknown_ones_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    easy = GENERAL_SETS["easy-vqa"]
    monkeypatch.setitem(GENERAL_SETS, "other-vqa", lambda split, limit, seed: easy(split, 5, seed))
    assert len(load_general("other-vqa").questions) == 5
    with pytest.raises(UserError, match="unknown general VQA set 'nope'; known: easy-vqa, other-vqa"):
        load_general("nope")
    with pytest.raises(UserError, match="unknown split 'dev'"):
        load_general("easy-vqa", "dev")


def _rows(predictions: list[str]) -> list[dict]:
    general = load_general("easy-vqa", "test", limit=len(predictions), seed=0)
    return [{**q.row("easy-vqa"), "prediction": p} for q, p in zip(general.questions, predictions)]


def test_the_difference_is_after_minus_before_with_a_paired_interval() -> None:
    gold = [row["answers"][0] for row in _rows(["x"] * 80)]
    before = _rows(gold[:60] + ["wrong"] * 20)  # 75% right
    after = _rows(gold[:20] + ["wrong"] * 60)  # 25% right, and right only where before was
    result = forgetting_result(before, after, metrics=["exact_match"], bootstrap=500)["exact_match"]
    assert result["before"]["value"] == 75.0 and result["after"]["value"] == 25.0
    difference = result["difference"]
    assert difference["value"] == -50.0 and difference["n"] == 80
    assert difference["low"] <= -50.0 <= difference["high"] < -35.0
    # paired: the same rows resampled for both, so the shared questions cancel and the interval is narrower
    # than two independent scores' would make it (after is right only where before is)
    width = {name: result[name]["high"] - result[name]["low"] for name in ("before", "after", "difference")}
    assert width["difference"] < 0.9 * math.hypot(width["before"], width["after"])
    same = forgetting_result(before, before, metrics=["exact_match"], bootstrap=100)["exact_match"]["difference"]
    assert (same["value"], same["low"], same["high"]) == (0.0, 0.0, 0.0)


@pytest.fixture(scope="module")
def before_after(tmp_path_factory: pytest.TempPathFactory, small_museum_run: Path) -> tuple[Path, Path]:
    """A tiny BLIP taught a little easy-vqa (it answers yes/no questions), then fine-tuned on the museum's
    training split, as `museumvqa train` does from a base model."""
    folder = tmp_path_factory.mktemp("forgetting")
    general = load_general("easy-vqa", "train", limit=192, seed=0)
    examples = [QAExample(q.image_key, q.question, q.answers, q.language, q.category) for q in general.questions]
    config = TrainConfig(family="blip", tiny=TINY, epochs=1, batch_size=16, learning_rate=1e-2)
    train_examples(config, examples, general.images, folder / "before", progress=False)
    museum = TrainConfig(family="blip", base_model=str(folder / "before"), epochs=2, batch_size=16, learning_rate=1e-2)
    benchmarks = small_museum_run / "benchmarks"
    train(museum, benchmarks / "train.parquet", small_museum_run / "shards", folder / "after", progress=False)
    return folder / "before", folder / "after"


@pytest.mark.slow
def test_fine_tuning_on_museum_data_forgets_easy_vqa(before_after: tuple[Path, Path], tmp_path: Path) -> None:
    before, after = before_after
    run = tmp_path / "run"
    (run / "benchmarks").mkdir(parents=True)
    args = ["forgetting", "--before", str(before), "--after", str(after), "--limit", "100", "--run", str(run)]
    result = CliRunner().invoke(app, [*args, "--bootstrap", "200", "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    printed = json.loads(result.stdout)
    assert printed == json.loads((run / "forgetting.json").read_text())
    assert (printed["general"], printed["n"], printed["before"], printed["after"]) == ("easy-vqa", 100, str(before), str(after))

    exact = printed["metrics"]["exact_match"]
    assert exact["before"]["value"] >= 30.0  # it learned something of easy-vqa (its yes/no answers at least)
    difference = exact["difference"]
    assert difference["value"] == pytest.approx(exact["after"]["value"] - exact["before"]["value"], abs=0.01)
    assert difference["low"] <= difference["value"] <= difference["high"] < 0  # forgotten, and the rows say so
    assert difference["n"] == 100

    for name in ("before", "after"):  # the evaluation's predictions format: `museumvqa compare` reads them
        rows = read_predictions(run / "predictions" / f"general-easy-vqa-{name}.jsonl")
        assert len(rows) == 100 and {r["model"] for r in rows} == {printed[name]}

    report = write_report(run, gallery_per_group=0).read_text()
    section = report.split("## Forgetting\n", 1)[1]
    cell = f"{difference['value']:+.1f} [{difference['low']:+.1f}, {difference['high']:+.1f}]"
    assert "| metric | n | before | after | after − before |" in section
    assert f"| exact match | 100 | {exact['before']['value']:.1f} [" in section and cell in section
