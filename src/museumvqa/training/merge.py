"""Merge a LoRA adapter into its base model: a plain model folder that transformers loads without peft.

Serving and evaluation then read one ordinary folder; the merged weights answer exactly as the
base model with its adapter did.
"""

from __future__ import annotations

import json
from pathlib import Path

from peft import PeftModel

from museumvqa.errors import UserError
from museumvqa.io import atomic_dir
from museumvqa.models.registry import load_model

ADAPTER_CONFIG = "adapter_config.json"
ADAPTER_WEIGHTS = "adapter_model.safetensors"


def merge_lora(adapter_dir: str | Path, out_dir: str | Path) -> Path:
    """Base model (from the adapter's config) + adapter -> `out_dir`, model and processor, in one rename."""
    adapter_dir, out_dir = Path(adapter_dir), Path(out_dir)
    base = adapter_base(adapter_dir)
    _, model, processor = load_model(base)
    if (adapter_dir / "tokenizer_config.json").is_file():
        processor = type(processor).from_pretrained(str(adapter_dir), trust_remote_code=False)  # the one trained with
    adapted = PeftModel.from_pretrained(model, str(adapter_dir), is_trainable=False)
    merged = adapted.merge_and_unload()
    with atomic_dir(out_dir) as tmp:
        merged.save_pretrained(tmp)
        processor.save_pretrained(tmp)
    return out_dir


def adapter_base(adapter_dir: Path) -> str:
    """The base model an adapter folder names; only safetensors adapters are read."""
    config_file = adapter_dir / ADAPTER_CONFIG
    if not config_file.is_file():
        raise UserError(f"{adapter_dir}: no {ADAPTER_CONFIG} (not a LoRA adapter folder)")
    if not (adapter_dir / ADAPTER_WEIGHTS).is_file():
        raise UserError(f"{adapter_dir}: no {ADAPTER_WEIGHTS} (only safetensors adapters are loaded)")
    try:
        base = json.loads(config_file.read_text(encoding="utf-8")).get("base_model_name_or_path")
    except (json.JSONDecodeError, AttributeError):
        raise UserError(f"{config_file}: not a JSON object") from None
    if not base:
        raise UserError(f"{config_file}: no base_model_name_or_path (which model does the adapter adapt?)")
    return str(base)
