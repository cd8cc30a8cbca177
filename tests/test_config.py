"""Dataclass configs from YAML plus key=value overrides."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest

from museumvqa.config import field_help, load_config
from museumvqa.errors import UserError
from museumvqa.settings import (
    DEMO_CATEGORIES,
    BenchmarksConfig,
    DemoConfig,
    EvaluateConfig,
    IngestConfig,
    QuestionsConfig,
    ServeConfig,
    ShardsConfig,
)
from museumvqa.training.config import TrainConfig


@dataclass
class Settings:
    epochs: int = 1
    learning_rate: float = 0.1
    name: str = "run"
    strategy: Literal["all", "one"] = "all"
    max_steps: int | None = None
    shuffle: bool = True
    out: Path = Path("out")
    languages: list[str] = field(default_factory=lambda: ["en"])


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "settings.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_file_or_overrides():
    assert load_config(Settings) == Settings()


def test_file_then_overrides_with_parsed_types(tmp_path):
    path = write(tmp_path, "epochs: 2\nlearning_rate: 5e-4\nlanguages: [en, fr]\nmax_steps: 10\n")
    config = load_config(Settings, path, ["epochs=3", "max_steps=null", "shuffle=false", "name=2024", "out=runs/a"])
    assert config == Settings(
        epochs=3,
        learning_rate=5e-4,  # YAML 1.1 reads 5e-4 as a string; a float setting takes it as a number
        name="2024",  # a string setting keeps the override's text
        max_steps=None,
        shuffle=False,
        out=Path("runs/a"),
        languages=["en", "fr"],
    )
    assert isinstance(config.epochs, int) and isinstance(config.learning_rate, float)


def test_int_widens_to_float():
    assert load_config(Settings, None, ["learning_rate=1"]).learning_rate == 1.0


def test_unknown_key_in_file_names_key_and_file(tmp_path):
    path = write(tmp_path, "epochs: 2\nepoch: 3\n")
    with pytest.raises(UserError, match=rf"{path}: unknown key 'epoch' \(known: epochs, "):
        load_config(Settings, path, [])


def test_unknown_key_in_override():
    with pytest.raises(UserError, match="override 'lr=0.1': unknown key 'lr'"):
        load_config(Settings, None, ["lr=0.1"])


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("epochs=2.5", "expected int, got 2.5"),
        ("epochs=true", "expected int, got True"),
        ("shuffle=1", "expected bool, got 1"),
        ("strategy=some", "expected one of 'all', 'one', got 'some'"),
        ("learning_rate=fast", "expected float, got 'fast'"),
        ("max_steps=many", "expected int or null, got 'many'"),
        ("epochs", "expected key=value"),
    ],
)
def test_wrong_types_are_user_errors(override, message):
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_config(Settings, None, [override])


def test_wrong_type_in_file_names_file_and_key(tmp_path):
    path = write(tmp_path, "languages: en\n")
    with pytest.raises(UserError, match=f"{path}: languages: expected list, got 'en'"):
        load_config(Settings, path, [])


@pytest.mark.parametrize(("text", "message"), [("- a\n- b\n", "expected a mapping"), ("a: [\n", "not valid YAML")])
def test_bad_files(tmp_path, text, message):
    with pytest.raises(UserError, match=message):
        load_config(Settings, write(tmp_path, text), [])


def test_missing_file(tmp_path):
    with pytest.raises(UserError, match="cannot read"):
        load_config(Settings, tmp_path / "nope.yaml", [])


def test_empty_file_gives_defaults(tmp_path):
    assert load_config(Settings, write(tmp_path, ""), []) == Settings()


def test_nested_settings_from_yaml_and_dotted_overrides(tmp_path):
    path = tmp_path / "demo.yaml"
    path.write_text("questions: {seed: 3}\ntrain:\n  epochs: 2\n  strategy: one\n")
    config = load_config(DemoConfig, path, ["train.epochs=5", "train.learning_rate=5e-4", "evaluate.bootstrap=10"])
    assert (config.questions.seed, config.evaluate.bootstrap) == (3, 10)
    assert (config.train.epochs, config.train.strategy, config.train.learning_rate) == (5, "one", 5e-4)
    assert config.train.batch_size == 32  # untouched settings keep their defaults
    with pytest.raises(UserError, match="override 'train.epochz=1': unknown key 'epochz'"):
        load_config(DemoConfig, None, ["train.epochz=1"])
    with pytest.raises(UserError, match="'records' has no sub-settings"):
        load_config(DemoConfig, None, ["records.x=1"])
    path.write_text("train:\n  epochs: many\n")
    with pytest.raises(UserError, match=rf"{path}: train: epochs: expected int, got 'many'"):
        load_config(DemoConfig, path)


def test_a_nested_override_keeps_the_demos_own_values():
    """The demo's shards are 224 px (the stage's default is 384); changing another shard setting keeps that."""
    assert ShardsConfig().image_size == 384
    config = load_config(DemoConfig, None, ["shards.workers=2", "questions.seed=4"])
    assert (config.shards.image_size, config.shards.workers) == (224, 2)
    assert config.questions.categories == list(DEMO_CATEGORIES) and config.questions.seed == 4


def test_options_beat_the_file_and_set_beats_options(tmp_path):
    path = write(tmp_path, "epochs: 2\nname: file\n")
    config = load_config(Settings, path, ["epochs=4"], {"epochs": 3, "name": None, "strategy": "one"})
    assert (config.epochs, config.name, config.strategy) == (4, "file", "one")  # None = option not given
    with pytest.raises(UserError, match="option epochz: unknown key 'epochz'"):
        load_config(Settings, None, [], {"epochz": 1})


def test_every_stage_setting_has_help_text():
    for cls in (IngestConfig, QuestionsConfig, ShardsConfig, BenchmarksConfig, EvaluateConfig, ServeConfig, DemoConfig):
        assert all(field_help(cls, f.name) for f in dataclasses.fields(cls)), cls.__name__


@pytest.mark.parametrize(
    ("cls", "override", "message"),
    [
        (IngestConfig, "max_reject_share=2", "give a share between 0 and 1"),
        (ServeConfig, "concurrency=0", "--concurrency must be at least 1"),
        (ShardsConfig, "fetch.timout=1", "unknown key 'timout'"),
        (DemoConfig, "shard_image_size=224", "unknown key 'shard_image_size'"),
    ],
)
def test_stage_settings_refuse_bad_values(cls, override, message):
    with pytest.raises(UserError, match=message):
        load_config(cls, None, [override])


def test_shipped_configs_load():
    configs = Path(__file__).resolve().parents[1] / "configs"
    demo = load_config(DemoConfig, configs / "demo.yaml")
    assert (demo.train.epochs, demo.train.tiny.image_size) == (20, 64)
    assert demo == DemoConfig()  # the shipped file spells out the demo's defaults
    assert load_config(TrainConfig, configs / "train_tiny.yaml") == TrainConfig(max_question_tokens=32)
    assert load_config(TrainConfig, configs / "train_llava_tiny.yaml").family == "llava"
    real = load_config(TrainConfig, configs / "train_llava_7b_lora.yaml")
    assert (real.base_model, real.lora.enabled, real.lora.r, real.precision, real.compile) == (
        "llava-hf/llava-1.5-7b-hf",
        True,
        128,
        "bf16",
        True,
    )
