"""LoRA on tiny BLIP and LLaVA: which weights learn, how many, and what a wrong setting says."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from museumvqa.config import load_config
from museumvqa.errors import UserError
from museumvqa.models.blip import new_tiny_blip
from museumvqa.models.llava import llava_messages, new_tiny_llava
from museumvqa.training.lora import LoraSettings, apply_lora, target_module_names

ON = LoraSettings(enabled=True, r=4, alpha=8)


def lora_size(linear_shapes: list[tuple[int, int]], r: int) -> int:
    """Parameters of LoRA's A (r x in) and B (out x r) for each adapted (out, in) linear."""
    return sum(r * (fan_in + fan_out) for fan_out, fan_in in linear_shapes)


def trainable(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {name: p for name, p in model.named_parameters() if p.requires_grad}


def test_blip_defaults_adapt_every_text_linear_and_nothing_else():
    model, _ = new_tiny_blip(image_size=32, hidden=64, layers=2, heads=2)
    text_linears = [
        (name, tuple(m.weight.shape))
        for name, m in model.named_modules()
        if isinstance(m, torch.nn.Linear) and ".encoder.layer." in name and name.startswith("text_")
    ]
    assert len(text_linears) == 2 * 2 * 10  # encoder and decoder, 2 layers, 10 linears each (no vision, no head)
    assert target_module_names(model, "blip") == sorted(name for name, _ in text_linears)

    peft_model = apply_lora(model, ON, "blip")
    params = trainable(peft_model)
    assert all(".lora_A." in name or ".lora_B." in name for name in params)
    assert sum(p.numel() for p in params.values()) == lora_size([s for _, s in text_linears], r=4)


@pytest.fixture
def llava():
    return new_tiny_llava(image_size=32, hidden=64, layers=2, heads=4)


def test_llava_adapts_the_language_model_only_and_trains_the_whole_projector(llava):
    model, _ = llava
    language = [
        tuple(m.weight.shape)
        for name, m in model.named_modules()
        if isinstance(m, torch.nn.Linear) and ".language_model.layers." in name
    ]
    assert len(language) == 2 * 7  # q, k, v, o, gate, up, down
    projector = sum(p.numel() for p in model.model.multi_modal_projector.parameters())

    peft_model = apply_lora(model, ON, "llava")
    params = trainable(peft_model)
    assert not [name for name in params if "vision_tower" in name or "lm_head" in name or "embed_tokens" in name]
    lora = {name: p for name, p in params.items() if ".lora_" in name}
    assert all(".language_model.layers." in name for name in lora)
    projector_names = [name for name in params if "multi_modal_projector" in name]
    assert len(projector_names) == 4  # two linears, weight and bias
    assert sum(p.numel() for p in lora.values()) == lora_size(language, r=4)
    assert sum(p.numel() for p in params.values()) == lora_size(language, r=4) + projector


def test_a_training_step_moves_lora_and_projector_but_no_base_weight(llava):
    model, processor = llava
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    peft_model = apply_lora(model, ON, "llava")
    image = Image.new("RGB", (32, 32), (200, 30, 30))
    text = processor.apply_chat_template(llava_messages("what colour?", "red"), tokenize=False)
    batch = processor(images=[image], text=[text], return_tensors="pt")
    optimizer = torch.optim.SGD([p for p in peft_model.parameters() if p.requires_grad], lr=0.1)
    peft_model(**batch, labels=batch["input_ids"]).loss.backward()
    optimizer.step()

    base = peft_model.base_model.model
    # peft keeps each original weight under `base_layer` (adapted linears) or `original_module` (projector)
    originals = {
        name.replace(".base_layer", "").replace(".original_module", ""): p
        for name, p in base.named_parameters()
        if ".lora_" not in name and ".modules_to_save." not in name
    }
    assert originals.keys() == before.keys()
    assert [name for name, p in originals.items() if not torch.equal(p, before[name])] == []
    trained = base.model.multi_modal_projector.modules_to_save["default"]
    assert not torch.equal(trained.linear_1.weight, before["model.multi_modal_projector.linear_1.weight"])
    q_proj = base.model.language_model.layers[0].self_attn.q_proj
    assert q_proj.lora_B["default"].weight.abs().sum() > 0  # B starts at zero: LoRA learnt


def test_user_given_targets_must_exist_in_the_text_model(llava):
    model, _ = llava
    names = target_module_names(model, "llava", ["q_proj", "v_proj"])
    assert len(names) == 4 and all(".language_model." in n for n in names)  # not the vision tower's q/v_proj
    with pytest.raises(UserError, match=r"lora.target_modules: 'fc1' matches no linear layer of the llava text model"):
        apply_lora(model, LoraSettings(enabled=True, target_modules=["q_proj", "fc1"]), "llava")
    with pytest.raises(UserError, match="unknown model family 'gpt'"):
        apply_lora(model, ON, "gpt")


@pytest.mark.skipif(torch.cuda.is_available(), reason="QLoRA runs where CUDA exists")
def test_qlora_without_cuda_is_a_one_line_user_error(llava):
    with pytest.raises(UserError, match="lora.qlora needs bitsandbytes and a CUDA GPU") as caught:
        apply_lora(llava[0], LoraSettings(enabled=True, qlora=True), "llava")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"r": 0}, "r must be at least 1"),
        ({"dropout": 1.0}, r"dropout must be in \[0, 1\)"),
        ({"target_modules": []}, "target_modules is empty"),
        ({"qlora": True}, "qlora needs enabled: true"),
    ],
)
def test_bad_settings_are_user_errors(settings, message):
    with pytest.raises(UserError, match=message):
        LoraSettings(**settings)


def test_settings_come_from_config_overrides():
    settings = load_config(LoraSettings, None, ["enabled=true", "r=16", "target_modules=[q_proj, v_proj]"])
    assert settings == LoraSettings(enabled=True, r=16, target_modules=["q_proj", "v_proj"])
