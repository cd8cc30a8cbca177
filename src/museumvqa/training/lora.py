"""LoRA (and QLoRA) adapters through peft, over the part of the model each family's spec names.

A family's `FamilySpec` says where LoRA goes (`lora_scope`), which layers there it adapts by default
(`lora_targets`) and which modules train whole (`fully_trained`, peft `modules_to_save`, saved with the
adapter and merged with it). Only the text side learns low-rank updates: BLIP's question encoder and
answer decoder, LLaVA's Llama language model; the vision towers stay frozen, LLaVA's projector trains whole.
"""

from __future__ import annotations

import importlib.util
import re

import torch
from peft import LoraConfig, PeftModel, get_peft_model

from museumvqa.errors import UserError
from museumvqa.models.registry import Family, family
from museumvqa.training.config import LoraSettings


def apply_lora(model: torch.nn.Module, settings: LoraSettings, name: Family) -> PeftModel:
    """`model` wrapped by peft: its base weights frozen, LoRA on the target layers, the projector trainable."""
    spec = family(name)
    if settings.qlora:
        _quantize_4bit(model, name)
    targets = target_module_names(model, name, settings.target_modules)
    config = LoraConfig(
        r=settings.r,
        lora_alpha=settings.alpha,
        lora_dropout=settings.dropout,
        target_modules=targets,
        modules_to_save=list(spec.fully_trained) or None,
        bias="none",
    )
    return get_peft_model(model, config)


def target_module_names(model: torch.nn.Module, name: Family, suffixes: list[str] | None = None) -> list[str]:
    """Full names of the linear layers in the family's scope that end with one of `suffixes`.

    Each suffix must match at least one layer: a typo would otherwise train a different model than
    the config says (peft only complains when nothing at all matches).
    """
    spec = family(name)
    scope = re.compile(spec.lora_scope)
    linears = [
        module_name for module_name, module in model.named_modules() if _is_linear(module) and scope.search(module_name)
    ]
    wanted = suffixes if suffixes is not None else list(spec.lora_targets)
    chosen: set[str] = set()
    for suffix in wanted:
        matches = [linear for linear in linears if linear == suffix or linear.endswith(f".{suffix}")]
        if not matches:
            known = sorted({linear[scope.search(linear).end() :] for linear in linears})  # type: ignore[union-attr]
            raise UserError(
                f"lora.target_modules: {suffix!r} matches no linear layer of the {name} text model"
                f" (known: {', '.join(known)})"
            )
        chosen.update(matches)
    return sorted(chosen)


def _is_linear(module: torch.nn.Module) -> bool:
    return isinstance(module, torch.nn.Linear) or type(module).__name__ == "Linear4bit"


def _quantize_4bit(model: torch.nn.Module, name: Family) -> None:
    """QLoRA: the scope's linear layers replaced in place by bitsandbytes NF4 layers on the GPU."""
    if importlib.util.find_spec("bitsandbytes") is None or not torch.cuda.is_available():
        raise UserError("lora.qlora needs bitsandbytes and a CUDA GPU; set lora.qlora=false to train LoRA unquantized")
    import bitsandbytes as bnb

    scope = re.compile(family(name).lora_scope)
    compute = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    for module_name, module in list(model.named_modules()):
        if not (isinstance(module, torch.nn.Linear) and scope.search(module_name)):
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
        parent, _, leaf = module_name.rpartition(".")
        setattr(model.get_submodule(parent), leaf, quantized.cuda())
    model.cuda()
