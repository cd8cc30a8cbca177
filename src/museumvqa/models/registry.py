"""Which adapter a model folder or hub id needs, read from its `config.json` before any weights load."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from museumvqa.errors import UserError

if TYPE_CHECKING:  # the adapters import torch and transformers: only when a model is really loaded
    from museumvqa.models.blip import BlipAnswerer
    from museumvqa.models.llava import LlavaAnswerer

Family = Literal["blip", "llava"]
FAMILIES: dict[str, Family] = {"blip": "blip", "llava": "llava"}
HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
SAFETENSORS_FILES = ("model.safetensors", "model.safetensors.index.json")
# Answer length cap of greedy generation, in tokens. 12 cut 3.6-4.2% of the gold answers short (long titles,
# credit lines, places); 32 holds them. Evaluation records it with every prediction (`--max-new-tokens`).
DEFAULT_MAX_NEW_TOKENS = 32


def model_source(model: str | Path) -> str:
    """What `from_pretrained` gets: a folder holding safetensors weights, or a hub id; anything else is refused."""
    path = Path(model).expanduser()
    if path.is_dir():
        if not any((path / name).is_file() for name in SAFETENSORS_FILES):
            raise UserError(f"{model}: no model.safetensors (only safetensors checkpoints are loaded)")
        return str(path)
    if path.exists():
        raise UserError(f"{model}: not a model directory")
    if HUB_ID.match(str(model)):
        return str(model)
    raise UserError(f"{model}: no such model directory (and not a hub id like 'owner/name')")


def load_pretrained(model: str | Path, model_class: Any, processor_class: Any, name: str) -> tuple[Any, Any]:
    """(model, processor) through `from_pretrained`: safetensors only, never remote code; a load error is a UserError."""
    source = model_source(model)
    try:
        loaded = model_class.from_pretrained(source, use_safetensors=True, trust_remote_code=False)
        processor = processor_class.from_pretrained(source, trust_remote_code=False)
    except OSError as e:
        raise UserError(f"{model}: cannot load a {name} model ({str(e).splitlines()[0]})") from None
    return loaded, processor


def model_family(path: str | Path) -> Family:
    """ "blip" or "llava" from the model's `config.json` `model_type`; anything else is a UserError."""
    folder = Path(path).expanduser()
    if folder.is_dir():
        config_file = folder / "config.json"
        if not config_file.is_file():
            raise UserError(f"{path}: no config.json (not a saved model folder)")
        try:
            model_type = json.loads(config_file.read_text(encoding="utf-8")).get("model_type")
        except (json.JSONDecodeError, AttributeError):
            raise UserError(f"{config_file}: not a JSON object") from None
    elif folder.exists():
        raise UserError(f"{path}: not a model directory")
    elif not HUB_ID.match(str(path)):
        raise UserError(f"{path}: no such model directory (and not a hub id like 'owner/name')")
    else:
        from transformers import AutoConfig

        try:
            model_type = AutoConfig.from_pretrained(str(path), trust_remote_code=False).model_type
        except (OSError, ValueError) as e:
            raise UserError(f"{path}: cannot read the hub model's config ({str(e).splitlines()[0]})") from None
    if model_type not in FAMILIES:
        raise UserError(f"{path}: model_type {model_type!r} is not supported (supported: {', '.join(FAMILIES)})")
    return FAMILIES[model_type]


def load_model(model: str | Path) -> tuple[Family, Any, Any]:
    """(family, model, processor) of a saved folder or hub id, by its config's `model_type`.

    Safetensors only, never remote code (each family's loader checks).
    """
    family = model_family(model)
    if family == "llava":
        from museumvqa.models.llava import load_llava

        return family, *load_llava(model)
    from museumvqa.models.blip import load_blip

    return family, *load_blip(model)


def load_answerer(
    model: str | Path,
    batch_size: int = 16,
    device: str | None = None,
    max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS,
) -> BlipAnswerer | LlavaAnswerer:
    """The greedy answerer of whichever family the model is (safetensors only, never remote code)."""
    family, loaded, processor = load_model(model)
    loaded = loaded.to(device) if device else loaded
    if family == "llava":
        from museumvqa.models.llava import LlavaAnswerer

        return LlavaAnswerer(loaded, processor, max_new_tokens, batch_size=batch_size, name=str(model))
    from museumvqa.models.blip import BlipAnswerer

    return BlipAnswerer(loaded, processor, max_new_tokens, batch_size=batch_size, name=str(model))
