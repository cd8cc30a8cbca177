"""The CLI as a user runs it: real subprocesses, one-line errors, non-zero exits."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

COMMANDS = ["ingest", "questions", "shards", "benchmarks", "train", "evaluate", "score", "ask", "demo"]


def museumvqa(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from museumvqa.cli import main; main()", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = museumvqa(command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout and command in result.stdout


def test_missing_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = museumvqa("ingest", str(tmp_path / "nope.json"), "--out", str(tmp_path / "run"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {tmp_path / 'nope.json'}: no such file"


def test_unknown_format_lists_known_ones(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("[]")
    result = museumvqa("ingest", str(tmp_path / "x.json"), "--out", str(tmp_path / "run"), "--format", "bogus")
    assert result.returncode == 2 and "known formats: " in result.stderr
    assert all(name in result.stderr for name in ("dpla", "edm", "lido", "linked-art", "met-api", "smithsonian"))
    assert "Traceback" not in result.stderr


def test_score_prints_table_and_json(tmp_path: Path) -> None:
    row = {
        "question_id": "q1",
        "exhibit_id": "met:1",
        "task": "general",
        "category": "title",
        "language": "en",
        "question": "What is the title?",
        "answers": ["The Harvesters"],
        "prediction": "harvesters",
        "model": "m",
    }
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(row) + "\n")
    table = museumvqa("score", str(path))
    assert table.returncode == 0 and "| exact match | 100.0 [100.0, 100.0] |" in table.stdout
    data = json.loads(museumvqa("score", str(path), "--json").stdout)
    assert data["m"]["tasks"]["general"]["overall"]["partial_precision"]["value"] == 100.0


def test_bad_predictions_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('{"question_id": 1}\n')
    result = museumvqa("score", str(path))
    assert result.returncode == 2 and result.stderr.startswith(f"error: {path}:1: ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_ask_with_missing_or_corrupt_image(tmp_path: Path) -> None:
    corrupt = tmp_path / "broken.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    for image in (tmp_path / "missing.jpg", corrupt):
        result = museumvqa("ask", str(image), "Who made this?", "--model", str(tmp_path))
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith(f"error: {image}: ") and "Traceback" not in result.stderr


def test_unknown_config_key_is_an_error(tmp_path: Path) -> None:
    result = museumvqa("demo", "--out", str(tmp_path / "d"), "--set", "epochz=3")
    assert result.returncode == 2 and "unknown key 'epochz'" in result.stderr


STAGE_COMMANDS = [
    ["ingest", "records.json", "--out", "run"],
    ["questions", "build", "--exhibits", "run/exhibits", "--out", "q"],
    ["shards", "--exhibits", "run/exhibits", "--out", "s"],
    ["benchmarks", "--questions", "q/qa.parquet", "--index", "s/index.parquet", "--out", "b"],
    ["evaluate", "--run", "run", "--model", "baseline:majority"],
    ["serve", "--model", "model", "--catalog", "run"],
]


def in_process(*args: str, cwd: Path) -> Result:
    """The CLI through typer's runner (no interpreter start-up): settings are refused before any work."""
    from museumvqa.cli import app

    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        return CliRunner().invoke(app, list(args))


@pytest.mark.parametrize("args", STAGE_COMMANDS, ids=lambda args: args[0])
def test_every_stage_takes_config_and_set(tmp_path: Path, args: list[str]) -> None:
    """Each stage reads --config and --set; an unknown key is refused with the known ones, before any work."""
    (tmp_path / "bad.yaml").write_text("nonsense_key: 1\n")
    result = in_process(*args, "--config", "bad.yaml", cwd=tmp_path)
    assert result.exit_code == 2 and "bad.yaml: unknown key 'nonsense_key' (known: " in result.output
    result = in_process(*args, "--set", "a.b=1", cwd=tmp_path)
    assert result.exit_code == 2 and "unknown key 'a'" in result.output and result.exception.__class__ is SystemExit


def test_a_stage_option_overrides_its_config_file_and_set_overrides_both(tmp_path: Path) -> None:
    """`--image-size` beats the file; `--set` beats `--image-size` (the build then refuses image size 0)."""
    (tmp_path / "shards.yaml").write_text("image_size: 0\n")
    args = ["shards", "--exhibits", "nowhere", "--out", "s", "--config", "shards.yaml"]
    assert "image size must be at least 1" in in_process(*args, cwd=tmp_path).output
    assert "image size" not in in_process(*args, "--image-size", "64", cwd=tmp_path).output
    set_wins = in_process(*args, "--image-size", "64", "--set", "image_size=0", cwd=tmp_path)
    assert "image size must be at least 1" in set_wins.output
