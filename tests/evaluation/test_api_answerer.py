"""`openai:MODEL@URL` answerers against a real OpenAI-compatible server on loopback, on the small museum's
task sets: predictions and scores, the request cache, retries, refusals, and scores.json merging."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers.openai_server import PALETTE, OpenAIServer
from typer.testing import CliRunner

from museumvqa.cli import app
from museumvqa.errors import UserError
from museumvqa.evaluation.answerers import make_answerer
from museumvqa.evaluation.api_answerer import ApiSettings
from museumvqa.evaluation.report import write_report
from museumvqa.evaluation.run import answer_budget, evaluate_run

MODEL = "tiny-vlm"
NAME = f"openai:{MODEL}"
MEDIUM = "What is this painting made of?"  # the server's canned answer for it is every exhibit's gold
FAST = ApiSettings(concurrency=4, retries=3, backoff=0.01, timeout=10)
SECRET = "sk-loopback-not-a-real-key"


@pytest.fixture
def run(small_museum_run: Path, tmp_path: Path) -> Path:
    """A fresh run folder holding the small museum's task sets and shards."""
    for part in ("benchmarks", "shards"):
        shutil.copytree(small_museum_run / part, tmp_path / part)
    return tmp_path


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    served = OpenAIServer(MODEL, answers={MEDIUM: "Oil on canvas"}, delay=0.02)
    yield served
    served.close()


def _rows(run: Path) -> list[dict]:
    """Every row of the task sets that have rows."""
    manifest = json.loads((run / "benchmarks" / "manifest.json").read_text())
    tables = [run / "benchmarks" / f"{task}.parquet" for task, info in manifest["tasks"].items() if info["rows"]]
    return pa.concat_tables([pq.read_table(t) for t in tables], promote_options="default").to_pylist()


def _distinct(run: Path) -> int:
    """Requests a first evaluation must send: one per distinct (question, image)."""
    return len({(row["question_id"], row["image_key"]) for row in _rows(run)})


def _evaluate(run: Path, url: str, **kwargs: object) -> dict[str, dict]:
    return evaluate_run(run, [f"{NAME}@{url}"], bootstrap=20, progress=False, api=FAST, **kwargs)  # type: ignore[arg-type]


def test_answers_are_asked_with_image_and_prompt_written_and_scored(
    run: Path, server: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    scores = _evaluate(run, server.url)
    rows = _rows(run)
    assert server.requests == _distinct(run) and 1 < server.peak <= FAST.concurrency
    budget = answer_budget([run / "benchmarks" / f"{t}.parquet" for t in scores[NAME]["tasks"]])
    assert all(a["temperature"] == 0 and a["max_tokens"] == budget for a in server.asked)
    assert {a["authorization"] for a in server.asked} == {f"Bearer {SECRET}"}

    lines = [json.loads(line) for line in (run / "predictions" / "openai-tiny-vlm.jsonl").read_text().splitlines()]
    assert len(lines) == len(rows)
    for line in lines:
        assert line["model"] == NAME and line["prompt"].endswith(f"Question: {line['question']}")
        assert "only the answer" in line["prompt"] and "language of the question" in line["prompt"]
        assert line["generation"]["temperature"] == 0 and line["generation"]["max_tokens"] == budget
        # the server's answer, stripped: canned for the medium question, else the image's colour
        if line["question"] == MEDIUM:
            assert line["prediction"] == "Oil on canvas"
        else:
            assert line["prediction"] in PALETTE
    general = scores[NAME]["tasks"]["general"]
    assert general["by_category"]["medium"]["exact_match"]["value"] == 100.0
    assert general["by_category"]["title"]["exact_match"]["value"] == 0.0
    assert general["overall"]["exact_match"]["n"] == sum(r["task"] == "general" for r in rows)
    # the key went into a header only: no file of the run holds it
    assert not [p for p in run.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]


def test_a_rerun_anywhere_costs_no_request_and_a_cut_cache_line_costs_one(run: Path, server: OpenAIServer) -> None:
    first = _evaluate(run, server.url)
    predictions = run / "predictions" / "openai-tiny-vlm.jsonl"
    answered = predictions.read_text()
    asked = server.requests
    _evaluate(run, server.url)
    assert server.requests == asked  # the predictions file is complete

    predictions.unlink()
    elsewhere = OpenAIServer(MODEL, answers=server.answers)  # the same model served at another address
    try:
        assert _evaluate(run, elsewhere.url)[NAME]["tasks"] == first[NAME]["tasks"]
        assert elsewhere.requests == 0 and predictions.read_text() == answered  # every answer from the cache

        cache = run / "api_cache" / "openai-tiny-vlm.jsonl"
        text = cache.read_text()
        cache.write_text(text[: len(text) - 10])  # killed while writing the last line
        predictions.unlink()
        _evaluate(run, elsewhere.url)
        assert elsewhere.requests == 1 and predictions.read_text() == answered
        assert len(cache.read_text().splitlines()) == asked + 1  # the cut line stays on its own line, skipped

        _evaluate(run, elsewhere.url, max_new_tokens=3)  # other generation settings: asked again
        assert elsewhere.requests == 1 + asked
    finally:
        elsewhere.close()


def test_retries_ride_out_503_and_429(run: Path, server: OpenAIServer) -> None:
    server.fail_first = 3
    _evaluate(run, server.url, tasks=["general"])
    assert server.requests == 3 + sum(r["task"] == "general" for r in _rows(run))
    server.fail_first, server.fail_status, server.requests, server.asked = 2, 429, 0, []
    _evaluate(run, server.url, tasks=["multilanguage"])
    assert server.requests == 2 + len(server.asked)
    lines = (run / "predictions" / "openai-tiny-vlm.jsonl").read_text().splitlines()
    assert len(lines) == sum(r["task"] == "multilanguage" for r in _rows(run))


def test_a_server_that_keeps_failing_is_one_line_naming_url_and_status(run: Path, server: OpenAIServer) -> None:
    server.fail_always = True
    with pytest.raises(UserError, match=r"/v1/chat/completions: status 503: server overloaded.* after 4 tries") as e:
        _evaluate(run, server.url)
    assert server.url in str(e.value) and "\n" not in str(e.value)
    assert server.requests <= 2 * FAST.concurrency * (FAST.retries + 1)  # the batch stopped at the first failure
    assert not (run / "scores.json").exists() and not list((run / "predictions").glob("*.jsonl"))

    server.fail_always = False
    with pytest.raises(UserError, match=r"status 404: The model `other` does not exist"):
        evaluate_run(run, [f"openai:other@{server.url}"], progress=False, api=FAST)
    closed = OpenAIServer(MODEL)
    closed.close()
    with pytest.raises(UserError, match=r"127\.0\.0\.1:\d+/v1/chat/completions: no answer \(ConnectError"):
        _evaluate(run, closed.url)
    for spec in ("openai:tiny-vlm", "openai:@http://127.0.0.1:9/v1", "openai:m@ftp://host/v1"):
        with pytest.raises(UserError, match="openai:MODEL@http://host:port/v1"):
            make_answerer(spec)


def test_scores_json_keeps_each_answerer_and_the_report_shows_both(run: Path, server: OpenAIServer) -> None:
    majority = evaluate_run(run, ["baseline:majority"], bootstrap=20, progress=False)["baseline:majority"]
    _evaluate(run, server.url)
    scores = json.loads((run / "scores.json").read_text())
    assert set(scores) == {"baseline:majority", NAME} and scores["baseline:majority"] == majority

    asked = server.requests
    again = _evaluate(run, server.url, seed=1, tasks=["general"])  # re-evaluated: its entry alone is replaced
    assert server.requests == asked  # answered from the cache
    assert again == json.loads((run / "scores.json").read_text())
    assert again["baseline:majority"] == majority and again[NAME]["seed"] == 1 and set(again[NAME]["tasks"]) == {
        "general"
    }

    report = write_report(run, gallery_per_group=0).read_text()
    assert f"| metric | baseline:majority | {NAME} |" in report

    # an entry scored on task sets since rebuilt is dropped; one on the current ones stays
    again["old-model"] = {**majority, "task_versions": {"general": "0000000000000000"}}
    again["other-model"] = majority
    (run / "scores.json").write_text(json.dumps(again))
    kept = evaluate_run(run, ["baseline:majority"], bootstrap=20, progress=False)
    assert set(kept) == {"baseline:majority", NAME, "other-model"}

    (run / "scores.json").write_text("[1, 2")
    with pytest.raises(UserError, match="scores.json: not a scores file"):
        evaluate_run(run, ["baseline:majority"], progress=False)


def test_the_cli_asks_with_its_api_settings(run: Path, server: OpenAIServer) -> None:
    args = ["evaluate", "--run", str(run), "--model", f"{NAME}@{server.url}", "--tasks", "general"]
    result = CliRunner().invoke(app, [*args, "--api-concurrency", "1", "--bootstrap", "20", "--quiet"])
    assert result.exit_code == 0, result.output
    assert server.peak == 1 and server.requests == sum(r["task"] == "general" for r in _rows(run))
    assert NAME in result.output and json.loads((run / "scores.json").read_text())[NAME]["tasks"]["general"]
