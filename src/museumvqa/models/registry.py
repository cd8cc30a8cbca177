"""The registered model families, and which one a model folder or hub id is (from its `config.json`).

Each module of models/ that declares a family registers its `FamilySpec` here when imported; the
registry imports them all the first time a family is looked up. Nothing here imports torch.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from pathlib import Path
from typing import Any

from museumvqa.errors import UserError
from museumvqa.models.family import FamilyAnswerer, FamilySpec

Family = str  # the name of a registered family ("blip", "llava")
HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
SAFETENSORS_FILES = ("model.safetensors", "model.safetensors.index.json")
# Answer length cap of greedy generation, in tokens. 12 cut 3.6-4.2% of the gold answers short (long titles,
# credit lines, places); 32 holds them. Evaluation records it with every prediction (`--max-new-tokens`).
DEFAULT_MAX_NEW_TOKENS = 32

_SPECS: dict[str, FamilySpec] = {}
_discovered: list[bool] = []  # one True once every module of models/ has been imported


def register_family(spec: FamilySpec) -> FamilySpec:
    """Make `spec` known by its name; a second, different spec under a taken name or model type is a bug."""
    taken = _SPECS.get(spec.name)
    if taken is not None and taken is not spec:
        raise ValueError(f"model family {spec.name!r} is already registered")
    clash = [t for other in _SPECS.values() if other is not spec for t in other.model_types if t in spec.model_types]
    if clash:
        raise ValueError(f"model type {clash[0]!r} already belongs to another family")
    _SPECS[spec.name] = spec
    return spec


def family(name: str) -> FamilySpec:
    """The spec registered as `name`; an unknown name is a one-line UserError naming the known ones."""
    spec = families().get(name)
    if spec is None:
        raise UserError(f"unknown model family {name!r} (known: {', '.join(families())})")
    return spec


def families() -> dict[str, FamilySpec]:
    """Every registered family by name, the built-in ones (the modules of models/) found on first use."""
    if not _discovered:
        _discovered.append(True)
        for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
            importlib.import_module(f"{__package__}.{module.name}")
    return dict(sorted(_SPECS.items()))  # by name: messages do not depend on which module was imported first


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
    """The family whose spec claims the model's `config.json` `model_type`; anything else is a UserError."""
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
    by_type = {model_type: spec.name for spec in families().values() for model_type in spec.model_types}
    if model_type not in by_type:
        raise UserError(f"{path}: model_type {model_type!r} is not supported (supported: {', '.join(by_type)})")
    return by_type[model_type]


def load_model(model: str | Path) -> tuple[Family, Any, Any]:
    """(family, model, processor) of a saved folder or hub id, by its config's `model_type`.

    Safetensors only, never remote code (each family's loader goes through `load_pretrained`).
    """
    name = model_family(model)
    return name, *family(name).load(model)


def load_answerer(
    model: str | Path,
    batch_size: int = 16,
    device: str | None = None,
    max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS,
) -> FamilyAnswerer:
    """The greedy answerer of whichever family the model is (safetensors only, never remote code)."""
    name, loaded, processor = load_model(model)
    loaded = loaded.to(device) if device else loaded
    return family(name).answerer(loaded, processor, max_new_tokens, batch_size=batch_size, name=str(model))
