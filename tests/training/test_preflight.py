"""Preflight: a template that masks every label, a wrong image token count and a lossy tokenizer fail early."""

from __future__ import annotations

import pytest
from PIL import Image

from museumvqa.errors import UserError
from museumvqa.models.blip import BlipBatches, new_tiny_blip
from museumvqa.models.llava import CHAT_TEMPLATE, LlavaBatches, build_llava_processor, new_tiny_llava
from museumvqa.training.examples import QAExample
from museumvqa.training.preflight import preflight

EXAMPLES = [QAExample(str(i), f"what colour is shape {i}?", (colour,)) for i, colour in enumerate(["red", "teal"] * 4)]
IMAGES = {str(i): Image.new("RGB", (32, 32), (30 * i, 0, 0)) for i in range(8)}
PLAN = [[0, 1, 2, 3], [4, 5, 6, 7]]


@pytest.fixture(scope="module")
def llava():
    model, processor = new_tiny_llava()
    return model.config, processor


def test_a_matching_template_passes_and_reports_the_labelled_share(llava):
    config, processor = llava
    report = preflight(LlavaBatches(processor, EXAMPLES, IMAGES), EXAMPLES, PLAN, config.image_seq_length, 512)
    # [CLS] USER: <image>x16 what colour is shape N? ASSISTANT: = 27 prompt tokens; then the answer and </s>
    # are labelled: "red" is one WordPiece, "teal" two; four of each
    assert report.examples == 8 and report.lossy == 0
    assert report.label_share == pytest.approx((4 * 2 + 4 * 3) / (4 * 29 + 4 * 30))


def test_a_template_that_renders_the_answer_turn_differently_masks_everything_and_fails(llava):
    config, _ = llava
    _, processor = new_tiny_llava()
    processor.chat_template = CHAT_TEMPLATE.replace("ASSISTANT: {% for", "BOT: {% for")  # the prompt cue is unchanged
    with pytest.raises(UserError, match=r"every label token is masked \(0% of tokens"):
        preflight(LlavaBatches(processor, EXAMPLES, IMAGES), EXAMPLES, PLAN, config.image_seq_length)


def test_image_tokens_that_disagree_with_the_vision_tower_fail(llava):
    config, good = llava
    processor = build_llava_processor(good.tokenizer, image_size=32, patch_size=4)  # 64 tokens, the model wants 16
    with pytest.raises(UserError, match="a conversation has 64 <image> tokens, the model expects 16"):
        preflight(LlavaBatches(processor, EXAMPLES, IMAGES), EXAMPLES, PLAN, config.image_seq_length)


def test_a_sequence_longer_than_the_model_reads_fails(llava):
    config, processor = llava
    with pytest.raises(UserError, match="has 30 tokens, the model reads at most 20"):
        preflight(LlavaBatches(processor, EXAMPLES, IMAGES), EXAMPLES, PLAN, config.image_seq_length, 20)


def test_text_the_tokenizer_cannot_represent_fails_the_round_trip():
    model, processor = new_tiny_blip(32, 0, 32, 1, 2)
    examples = [QAExample(str(i), "what is it?", ("\u2603\u2604",)) for i in range(8)]  # snowman, comet: [UNK]
    with pytest.raises(UserError, match="round trip loses the text of 8 of 8 examples"):
        preflight(BlipBatches(model, processor, examples, IMAGES, 32, 16), examples, PLAN)
    accented = [QAExample(str(i), "who painted it?", ("Gérôme",)) for i in range(8)]  # uncased: accents go, fine
    assert preflight(BlipBatches(model, processor, accented, IMAGES, 32, 16), accented, PLAN).lossy == 0
