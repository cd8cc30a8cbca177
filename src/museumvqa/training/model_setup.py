"""The model a run starts from: built or loaded by its family's spec, then frozen in parts or wrapped in LoRA."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from transformers import PreTrainedModel, ProcessorMixin

from museumvqa.errors import UserError
from museumvqa.models.registry import family, load_model, model_family
from museumvqa.models.wordpiece import data_vocab
from museumvqa.training.compile import compile_repeated_blocks
from museumvqa.training.config import TrainConfig
from museumvqa.training.lora import apply_lora


def build_model(config: TrainConfig, texts: Sequence[str] = ()) -> tuple[torch.nn.Module, ProcessorMixin]:
    """The starting model and its processor, with the config's freezing, LoRA, checkpointing and compiling applied.

    `texts` (the training questions and answers) choose a tiny model's vocabulary when `tiny.vocabulary` is "data".

    A LoRA run in bf16 keeps its frozen base in bf16 (half the memory and no per-step weight casts) and
    what it trains in fp32, as AdamW needs; every other run keeps the weights' own precision under autocast.
    """
    model, processor = _initial(config, texts)
    bf16_base = config.lora.enabled and config.precision == "bf16"
    if bf16_base:
        model = model.to(torch.bfloat16)
    if config.gradient_checkpointing:
        model.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": False})
    freeze(model, config.family, config.freeze)
    if config.lora.enabled:
        if config.gradient_checkpointing:
            model.enable_input_require_grads()  # checkpointed blocks need a grad-carrying input under LoRA
        model = apply_lora(model, config.lora, config.family)
    if bf16_base:
        for parameter in model.parameters():
            if parameter.requires_grad:
                parameter.data = parameter.data.float()
    if config.compile:
        compile_repeated_blocks(model)
    return model, processor


def freeze(model: torch.nn.Module, name: str, parts: list[str]) -> None:
    """Stop the named parts (the family spec's `parts`) from learning; each part must exist in this model."""
    for part in parts:
        prefixes = family(name).parts.get(part, ())
        matched = [p for param_name, p in model.named_parameters() if param_name.startswith(prefixes)]
        if not matched:
            raise UserError(f"freeze: the {name} model has no {part} parameters (prefixes {', '.join(prefixes)})")
        for parameter in matched:
            parameter.requires_grad_(False)


def unwrap_lora(model: torch.nn.Module) -> PreTrainedModel:
    """The transformers model inside a peft wrapper (or the model itself)."""
    return model.get_base_model() if hasattr(model, "get_base_model") else model


def _initial(config: TrainConfig, texts: Sequence[str]) -> tuple[PreTrainedModel, ProcessorMixin]:
    if config.base_model is not None:
        found = model_family(config.base_model)  # from config.json alone: a mismatch fails before weights load
        if found != config.family:
            raise UserError(f"base_model {config.base_model} is a {found} model, but family is {config.family}")
        _, model, processor = load_model(config.base_model)
        return model, processor
    tiny = config.tiny
    sizes = (tiny.image_size, config.seed, tiny.hidden, tiny.layers, tiny.heads)
    if tiny.vocabulary == "data":
        if not texts:
            raise UserError("tiny.vocabulary data: no training texts to take the vocabulary from")
        return family(config.family).new_tiny(*sizes, vocabulary=data_vocab(texts))
    return family(config.family).new_tiny(*sizes)
