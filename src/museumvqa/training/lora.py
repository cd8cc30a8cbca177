"""LoRA (and QLoRA) adapters through peft, with each family's sensible default target layers.

Only the text side learns low-rank updates: BLIP's question encoder and answer decoder (attention,
cross-attention and MLP linears), LLaVA's Llama language model (q/k/v/o and gate/up/down). The vision
towers stay frozen, and LLaVA's projector, small and randomly placed between two pretrained models,
stays fully trainable (peft `modules_to_save`), so it is saved with the adapter and merged with it.
"""

from __future__ import annotations

import importlib.util
import re

import torch
from peft import LoraConfig, PeftModel, get_peft_model

from museumvqa.errors import UserError
from museumvqa.models.registry import Family
from museumvqa.training.config import LoraSettings

# The part of each family's module tree LoRA adapts, and its default layers there (module-name suffixes).
SCOPES: dict[str, re.Pattern[str]] = {
    "blip": re.compile(r"(?:^|\.)text_(?:encoder|decoder\.bert)\.encoder\.layer\.\d+\."),
    "llava": re.compile(r"(?:^|\.)language_model\.layers\.\d+\."),
}
DEFAULT_TARGETS: dict[str, tuple[str, ...]] = {
    "blip": ("query", "key", "value", "output.dense", "intermediate.dense"),  # output.dense: attention and MLP
    "llava": ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"),
}
FULLY_TRAINED: dict[str, tuple[str, ...]] = {"blip": (), "llava": ("multi_modal_projector",)}


def apply_lora(model: torch.nn.Module, settings: LoraSettings, family: Family | str) -> PeftModel:
    """`model` wrapped by peft: its base weights frozen, LoRA on the target layers, the projector trainable."""
    if family not in SCOPES:
        raise UserError(f"lora: unknown model family {family!r} (known: {', '.join(SCOPES)})")
    if settings.qlora:
        _quantize_4bit(model, family)
    targets = target_module_names(model, family, settings.target_modules)
    config = LoraConfig(
        r=settings.r,
        lora_alpha=settings.alpha,
        lora_dropout=settings.dropout,
        target_modules=targets,
        modules_to_save=list(FULLY_TRAINED[family]) or None,
        bias="none",
    )
    return get_peft_model(model, config)


def target_module_names(model: torch.nn.Module, family: str, suffixes: list[str] | None = None) -> list[str]:
    """Full names of the linear layers in the family's scope that end with one of `suffixes`.

    Each suffix must match at least one layer: a typo would otherwise train a different model than
    the config says (peft only complains when nothing at all matches).
    """
    scope = SCOPES[family]
    linears = [name for name, module in model.named_modules() if _is_linear(module) and scope.search(name)]
    wanted = suffixes if suffixes is not None else list(DEFAULT_TARGETS[family])
    chosen: set[str] = set()
    for suffix in wanted:
        matches = [name for name in linears if name == suffix or name.endswith(f".{suffix}")]
        if not matches:
            known = sorted({name[scope.search(name).end() :] for name in linears})  # type: ignore[union-attr]
            raise UserError(
                f"lora.target_modules: {suffix!r} matches no linear layer of the {family} text model"
                f" (known: {', '.join(known)})"
            )
        chosen.update(matches)
    return sorted(chosen)


def _is_linear(module: torch.nn.Module) -> bool:
    return isinstance(module, torch.nn.Linear) or type(module).__name__ == "Linear4bit"


def _quantize_4bit(model: torch.nn.Module, family: str) -> None:
    """QLoRA: the scope's linear layers replaced in place by bitsandbytes NF4 layers on the GPU."""
    if importlib.util.find_spec("bitsandbytes") is None or not torch.cuda.is_available():
        raise UserError("lora.qlora needs bitsandbytes and a CUDA GPU; set lora.qlora=false to train LoRA unquantized")
    import bitsandbytes as bnb

    scope = SCOPES[family]
    compute = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    for name, module in list(model.named_modules()):
        if not (isinstance(module, torch.nn.Linear) and scope.search(name)):
            continue
        quantized = bnb.nn.Linear4bit(
            module.in_features,
            module.out_features,
            bias=module.bias is not None,
            compute_dtype=compute,
            quant_type="nf4",
        )
        quantized.weight = bnb.nn.Params4bit(module.weight.data.cpu(), requires_grad=False, quant_type="nf4")
        if module.bias is not None:
            quantized.bias = torch.nn.Parameter(module.bias.data.to(compute), requires_grad=False)
        parent, _, leaf = name.rpartition(".")
        setattr(model.get_submodule(parent), leaf, quantized.cuda())
    model.cuda()
