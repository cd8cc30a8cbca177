"""The starting model: frozen parts stay out of training, LoRA and checkpointing apply, families must agree."""

from __future__ import annotations

import pytest
import torch

from museumvqa.errors import UserError
from museumvqa.models.blip import new_tiny_blip
from museumvqa.training.checkpoint import trainable_names
from museumvqa.training.config import TinyModel, TrainConfig
from museumvqa.training.lora import LoraSettings
from museumvqa.training.model_setup import build_model

TINY = TinyModel(image_size=32, hidden=32, layers=1, heads=2)


def test_freezing_vision_and_language_leaves_only_the_llava_projector_trainable():
    model, _ = build_model(TrainConfig(family="llava", tiny=TINY, freeze=["vision", "language"]))
    names = trainable_names(model)
    assert names and all(name.startswith("model.multi_modal_projector.") for name in names)


def test_freezing_blip_language_leaves_the_vision_model():
    model, _ = build_model(TrainConfig(tiny=TINY, freeze=["language"]))
    assert {name.split(".")[0] for name in trainable_names(model)} == {"vision_model"}


def test_lora_with_gradient_checkpointing_trains_adapters_and_the_projector():
    config = TrainConfig(family="llava", tiny=TINY, gradient_checkpointing=True, lora=LoraSettings(enabled=True, r=2))
    model, _ = build_model(config)
    names = trainable_names(model)
    assert any("lora_A" in n for n in names) and any("multi_modal_projector" in n for n in names)
    assert not any("vision_tower" in n for n in names)
    assert model.get_base_model().is_activation_checkpointing


def test_a_base_model_of_the_other_family_is_a_user_error(tmp_path):
    model, processor = new_tiny_blip(32, 0, 32, 1, 2)
    model.save_pretrained(tmp_path / "blip")
    processor.save_pretrained(tmp_path / "blip")
    with pytest.raises(UserError, match="is a blip model, but family is llava"):
        build_model(TrainConfig(family="llava", base_model=str(tmp_path / "blip")))


def test_bf16_lora_keeps_the_frozen_base_in_bf16_and_trains_in_fp32():
    config = TrainConfig(family="llava", tiny=TINY, precision="bf16", lora=LoraSettings(enabled=True, r=2))
    model, _ = build_model(config)
    trained = {p.dtype for p in model.parameters() if p.requires_grad}
    frozen = {p.dtype for p in model.parameters() if not p.requires_grad}
    assert trained == {torch.float32} and frozen == {torch.bfloat16}


def test_compile_compiles_each_repeated_layer_of_both_towers():
    tiny = TinyModel(image_size=32, hidden=32, layers=2, heads=2)
    model, _ = build_model(TrainConfig(family="llava", tiny=tiny, compile=True))
    compiled = [m for m in model.modules() if getattr(m, "_compiled_call_impl", None) is not None]
    assert len(compiled) == 2 * tiny.layers  # the vision tower's and the language model's layers
