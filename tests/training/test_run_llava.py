"""A tiny LLaVA trained through the chat template: what carries labels, and a folder load_llava reads."""

from __future__ import annotations

import json

import pytest
from easy_vqa_tables import easy_vqa_run
from PIL import Image

from museumvqa.models.family import IGNORE
from museumvqa.models.llava import LlavaAnswerer, LlavaBatches, load_llava, new_tiny_llava
from museumvqa.training.config import TinyModel, TrainConfig
from museumvqa.training.examples import QAExample
from museumvqa.training.run import SUMMARY_NAME, train


def test_only_the_answer_and_its_end_token_carry_labels():
    _, processor = new_tiny_llava()
    examples = [
        QAExample("a", "what colour is the shape?", ("dark red",)),
        QAExample("b", "is there a circle?", ("no",)),
    ]
    images = {"a": Image.new("RGB", (40, 30), "red"), "b": Image.new("RGB", (20, 20), "blue")}
    batch = LlavaBatches(processor, examples, images)([0, 1])
    tokenizer = processor.tokenizer
    labelled = [tokenizer.decode([t for t in row if t != IGNORE]) for row in batch["labels"].tolist()]
    assert labelled == ["dark red </s>", "no </s>"]
    assert batch["pixel_values"].shape == (2, 3, 32, 32)
    assert (batch["input_ids"] == processor.image_token_id).sum(dim=1).tolist() == [16, 16]  # (32 / 8) ** 2
    assert batch["attention_mask"][1, -1] == 0 and batch["labels"][1, -1] == IGNORE  # right padding, unlabelled


@pytest.mark.slow
def test_tiny_llava_trains_validates_and_saves_a_folder_load_llava_reads(tmp_path):
    run = easy_vqa_run(tmp_path / "data", train_images=8, val_images=2)
    config = TrainConfig(
        family="llava",
        tiny=TinyModel(image_size=32, hidden=32, layers=1, heads=2),
        epochs=1,
        max_steps=6,
        batch_size=8,
        learning_rate=3e-3,
        eval_every=3,
        eval_limit=8,
    )
    result = train(config, run.train, run.shards, tmp_path / "llava", val_table=run.val, progress=False)
    assert result.steps == 6 and result.epoch_losses[0] < 11  # log(30524) = 10.3 at the start
    assert [h["step"] for h in result.eval_history] == [3, 6]
    assert 0 < result.preflight["label_share"] < 0.5  # answers are a few of each conversation's tokens

    model, processor = load_llava(tmp_path / "llava")
    summary = json.loads((tmp_path / "llava" / SUMMARY_NAME).read_text())
    assert summary["family"] == "llava" and summary["eval_history"] == result.eval_history
    image = Image.new("RGB", (64, 64), "green")
    answers = LlavaAnswerer(model, processor).answer([image, image], ["what color is the shape?"] * 2)
    assert len(answers) == 2 and answers[0] == answers[1]
