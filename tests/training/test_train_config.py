"""Training settings from YAML and --set: nested sections, and every mistake a one-line UserError."""

from __future__ import annotations

import pytest

from museumvqa.config import load_config
from museumvqa.errors import UserError
from museumvqa.training.config import TinyModel, TrainConfig


def test_nested_sections_from_yaml_and_dotted_overrides(tmp_path):
    path = tmp_path / "train.yaml"
    path.write_text("family: llava\ntiny: {hidden: 32}\nlora: {enabled: true, r: 4}\nfreeze: []\n")
    config = load_config(TrainConfig, path, ["tiny.heads=2", "lora.alpha=8", "checkpoint_every=2", "precision=bf16"])
    assert config.family == "llava" and config.tiny == TinyModel(hidden=32, heads=2)
    assert (config.lora.enabled, config.lora.r, config.lora.alpha) == (True, 4, 8)
    assert (config.checkpoint_every, config.precision, config.batch_size) == (2, "bf16", 32)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["epoch=3"], "unknown key 'epoch'"),
        (["tiny.width=3"], "unknown key 'width'"),
        (["lora.rank=3"], "unknown key 'rank'"),
        (["family=gpt"], "expected one of 'blip', 'llava', got 'gpt'"),
        (["precision=fp8"], "expected one of 'no', 'bf16', 'fp16'"),
        (["strategy=some"], "expected one of 'all', 'one'"),
        (["grad_accum=0"], "grad_accum must be at least 1"),
        (["checkpoint_every=-1"], "checkpoint_every must be 0 or more"),
        (["max_steps=0"], "max_steps must be at least 1 or null"),
        (["warmup_ratio=1"], "0 <= warmup_ratio < 1"),
        (["tiny.hidden=64", "tiny.heads=3"], r"tiny.hidden \(64\) must be a multiple of heads \(3\)"),
        (["freeze=[vision, text]"], "cannot freeze 'text' \\(choose from vision, projector, language\\)"),
        (["freeze=[projector]"], "BLIP has no projector"),
        (["freeze=[vision]", "lora.enabled=true"], "freeze and lora exclude each other"),
        (["lora.r=0"], "lora: r must be at least 1"),
        (["max_answer_tokens=2"], "max_answer_tokens must be at least 3"),
    ],
)
def test_bad_settings_are_user_errors(overrides, message):
    with pytest.raises(UserError, match=message):
        load_config(TrainConfig, None, overrides)


def test_an_unknown_key_in_a_file_names_the_file(tmp_path):
    path = tmp_path / "train.yaml"
    path.write_text("lora:\n  enabled: true\n  rank: 4\n")
    with pytest.raises(UserError, match=rf"{path}: lora: unknown key 'rank'"):
        load_config(TrainConfig, path)


def test_train_command_help_names_config_resume_and_validation():
    from typer.testing import CliRunner

    from museumvqa.cli import app

    result = CliRunner().invoke(app, ["train", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for text in ("--train", "--shards", "--out", "--val", "--config", "--set", "resumes"):
        assert text in result.output


def test_train_command_reports_a_bad_override_as_one_line(tmp_path):
    from typer.testing import CliRunner

    from museumvqa.cli import app

    args = ["train", "--train", "t.parquet", "--shards", "s", "--out", str(tmp_path), "--set", "epochz=1"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and result.stderr.startswith("error: override 'epochz=1': unknown key 'epochz'")
