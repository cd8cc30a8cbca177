"""Training throughput of BLIP-base VQA (full fine-tune) and LLaVA-1.5-7B (LoRA) at their real shapes on one GPU:
the project's loop (`museumvqa.training.loop.fit` + `apply_lora`) against a plain `transformers.Trainer` run of the
same model, batch size, LoRA, steps and data, in the same process.

The models are randomly initialised from configs of the real shapes (nothing is downloaded): throughput does not
depend on the weights' values. Per model and loop it reports samples/s, tokens/s, peak GPU memory and MFU against
the GPU's dense bf16 peak, from an explicit per-sample FLOP count whose formula is printed with the results.
Warm-up steps are not timed; a wall-clock guard and an out-of-memory catch keep one bad configuration from
sinking the others. `--tiny` runs the same code with tiny shapes on the CPU in seconds (the test uses it).

    PYTHONPATH=src python3 benchmarks/gpu_train.py --loops ours,trainer,compiled,trainer_compiled --out OUT_DIR
    python benchmarks/gpu_train.py --tiny --peak-tflops 1 --out OUT_DIR                          # CPU

All loops read the same DataLoader (shuffled rows, default collator, pinned memory) over one pool of synthetic
batches of realistic shape; `compiled` is our loop with each repeated layer compiled (regional torch.compile), and
`trainer_compiled` is the fair baseline for it: the same Trainer with `torch_compile=True` (whole-model
torch.compile, the Trainer's defaults). Compilation falls in the untimed warm-up steps of both, but inside the
wall-clock guard: give `--guard-s` room for it on large models.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import gc
import json
import re
import resource
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import accelerate
import peft
import torch
import transformers
from torch import nn
from transformers import (
    BlipConfig,
    BlipForQuestionAnswering,
    CLIPVisionConfig,
    LlamaConfig,
    LlavaConfig,
    LlavaForConditionalGeneration,
    Trainer,
    TrainerCallback,
    TrainingArguments,
    default_data_collator,
)

from museumvqa.io import atomic_path, write_json
from museumvqa.training.compile import compile_repeated_blocks
from museumvqa.training.loop import LoopSettings, fit
from museumvqa.training.lora import LoraSettings, apply_lora

LOOPS = ("ours", "trainer", "compiled", "trainer_compiled")  # compiled: torch.compile (ours regional)
COMPILED_LOOPS = ("compiled", "trainer_compiled")
MODELS = ("blip", "llava")
# Dense (no sparsity) bf16 tensor-core peaks in TFLOP/s; the first name found in the device name wins.
PEAK_BF16_TFLOPS = (("H100 PCIe", 756.0), ("H100 NVL", 835.0), ("H100", 989.0), ("H200", 989.0), ("A100", 312.0))
BACKWARD_RULE = (
    "per sample: total = sum over terms of forward x (1 + backward factor); backward factor 2 where a layer's "
    "weights train and its input needs a gradient, 1 where only one of the two is needed (frozen base layers: "
    "input gradients only; the first trained layer after a frozen one: weight gradients only), 0 for the frozen "
    "vision tower (forward only); a linear layer's forward is 2 x tokens x weights; attention's QK^T and AV are "
    "4 x s_q x s_k x d per layer, halved for causal self-attention; padding tokens are not counted"
)


@dataclass(frozen=True)
class TowerShape:
    """A transformer stack's dimensions (vision: image and patch size; text: vocabulary)."""

    hidden: int
    layers: int
    heads: int
    mlp: int
    image_size: int = 0
    patch: int = 0
    vocab: int = 0


@dataclass(frozen=True)
class BlipShape:
    vision: TowerShape
    text: TowerShape
    question_tokens: tuple[int, int]  # [CLS] question [SEP], min and max
    answer_tokens: tuple[int, int]  # [DEC] answer [SEP]


@dataclass(frozen=True)
class LlavaShape:
    vision: TowerShape
    text: TowerShape
    text_tokens: tuple[int, int]  # the prompt's and answer's text tokens around the image tokens, min and max
    answer_tokens: tuple[int, int]  # of those, the answer (labels) including the closing </s>
    lora_r: int
    lora_alpha: int


# Salesforce/blip-vqa-base: ViT-B/16 at 384 px, BERT-base question encoder and answer decoder.
REAL_BLIP = BlipShape(
    vision=TowerShape(hidden=768, layers=12, heads=12, mlp=3072, image_size=384, patch=16),
    text=TowerShape(hidden=768, layers=12, heads=12, mlp=3072, vocab=30524),
    question_tokens=(8, 24),
    answer_tokens=(3, 8),
)
# llava-hf/llava-1.5-7b-hf: CLIP ViT-L/14 at 336 px, features of layer -2, 2-layer MLP projector, Llama-2-7B;
# LoRA r 128 / alpha 256 on the language model's linears, projector trained (LLaVA-1.5's LoRA recipe).
REAL_LLAVA = LlavaShape(
    vision=TowerShape(hidden=1024, layers=24, heads=16, mlp=4096, image_size=336, patch=14),
    text=TowerShape(hidden=4096, layers=32, heads=32, mlp=11008, vocab=32064),
    text_tokens=(40, 60),
    answer_tokens=(2, 8),
    lora_r=128,
    lora_alpha=256,
)
TINY_BLIP = BlipShape(
    vision=TowerShape(hidden=32, layers=2, heads=2, mlp=64, image_size=32, patch=8),
    text=TowerShape(hidden=32, layers=2, heads=2, mlp=64, vocab=128),
    question_tokens=(4, 8),
    answer_tokens=(3, 5),
)
TINY_LLAVA = LlavaShape(
    vision=TowerShape(hidden=32, layers=3, heads=2, mlp=64, image_size=28, patch=14),
    text=TowerShape(hidden=32, layers=2, heads=2, mlp=64, vocab=160),
    text_tokens=(8, 12),
    answer_tokens=(2, 4),
    lora_r=4,
    lora_alpha=8,
)
DEFAULT_BATCH = {"blip": 64, "llava": 8}


@dataclass
class Measurement:
    """One (model, loop) configuration: its throughput, or why it has none."""

    model: str
    loop: str
    batch_size: int
    warmup_steps: int
    timed_steps: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    samples_per_s: float = 0.0
    tokens_per_s: float = 0.0
    tflops_per_s: float = 0.0
    mfu: float | None = None
    peak_memory_gib: float = 0.0
    start_memory_gib: float = 0.0  # allocated before the model is built: what earlier configurations left behind
    memory_kind: str = ""
    setup_seconds: float = 0.0
    error: str | None = None


# ---------------------------------------------------------------- models


@contextmanager
def default_dtype(dtype: torch.dtype) -> Iterator[None]:
    """Parameters created inside are `dtype`: a 7B base is built in bf16 directly, never in fp32 first."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(previous)


def blip_config(shape: BlipShape) -> BlipConfig:
    v, t = shape.vision, shape.text
    vision = dict(
        hidden_size=v.hidden,
        intermediate_size=v.mlp,
        num_hidden_layers=v.layers,
        num_attention_heads=v.heads,
        image_size=v.image_size,
        patch_size=v.patch,
    )
    text = dict(
        vocab_size=t.vocab,
        hidden_size=t.hidden,
        encoder_hidden_size=v.hidden,
        intermediate_size=t.mlp,
        num_hidden_layers=t.layers,
        num_attention_heads=t.heads,
        max_position_embeddings=512,
        bos_token_id=t.vocab - 2,  # BLIP's [DEC]: 30522, right after BERT's vocabulary
        pad_token_id=0,
        sep_token_id=2,
    )
    return BlipConfig(text_config=text, vision_config=vision)


def llava_config(shape: LlavaShape) -> LlavaConfig:
    v, t = shape.vision, shape.text
    vision = CLIPVisionConfig(
        hidden_size=v.hidden,
        intermediate_size=v.mlp,
        num_hidden_layers=v.layers,
        num_attention_heads=v.heads,
        image_size=v.image_size,
        patch_size=v.patch,
        projection_dim=768,
    )
    text = LlamaConfig(
        vocab_size=t.vocab,
        hidden_size=t.hidden,
        intermediate_size=t.mlp,
        num_hidden_layers=t.layers,
        num_attention_heads=t.heads,
        num_key_value_heads=t.heads,
        max_position_embeddings=4096,
        rms_norm_eps=1e-5,
        pad_token_id=image_token(shape) + 1,
        use_cache=False,  # training keeps no KV cache (both loops alike)
    )
    return LlavaConfig(
        vision_config=vision,
        text_config=text,
        image_token_index=image_token(shape),
        image_seq_length=image_tokens(shape),
        vision_feature_layer=-2,
        vision_feature_select_strategy="default",
        projector_hidden_act="gelu",
    )


def image_token(shape: LlavaShape) -> int:
    """`<image>`'s id: 32000 in llava-1.5-7b-hf, after Llama's 32000 tokens (the vocabulary is padded to 32064)."""
    return shape.text.vocab - 64


def image_tokens(shape: LlavaShape) -> int:
    return (shape.vision.image_size // shape.vision.patch) ** 2


def build_blip(shape: BlipShape, device: torch.device) -> BlipForQuestionAnswering:
    """Full fine-tune: fp32 master weights, bf16 autocast in the loops."""
    torch.manual_seed(0)
    with torch.device(device):
        return BlipForQuestionAnswering(blip_config(shape))


def build_llava(shape: LlavaShape, device: torch.device) -> tuple[nn.Module, dict[str, Any]]:
    """The bf16 base built on `device`, LoRA applied by the project's `apply_lora`, trained weights in fp32.

    Returns the model and what the FLOP count needs: the base's linear weights, counted before peft wraps it
    (peft keeps a second copy of the projector for `modules_to_save`, which would count it twice), and LoRA's.
    """
    torch.manual_seed(0)
    with torch.device(device), default_dtype(torch.bfloat16):
        base = LlavaForConditionalGeneration(llava_config(shape))
    lora = LoraSettings(enabled=True, r=shape.lora_r, alpha=shape.lora_alpha, dropout=0.0)
    weights = linear_weights(base)
    model = apply_lora(base, lora, "llava")
    for parameter in model.parameters():
        if parameter.requires_grad:  # fp32 master copies of what trains: LoRA and the projector
            parameter.data = parameter.data.float()
    lora_weights = sum(p.numel() for name, p in model.named_parameters() if "lora_" in name)
    return model, {"linear_weights": weights, "lora_weights": lora_weights, "lora": asdict(lora)}


def linear_weights(model: nn.Module) -> dict[str, int]:
    """Weight count of every linear and convolution, by module name: the FLOP count's N."""
    return {
        name: module.weight.numel()
        for name, module in model.named_modules()
        if isinstance(module, (nn.Linear, nn.Conv2d))
    }


def weights_where(weights: dict[str, int], pattern: str, layers_below: int | None = None) -> int:
    """Sum of the weights whose module name matches `pattern`; with `layers_below`, only in layers < that."""
    total = 0
    for name, count in weights.items():
        if not re.search(pattern, name):
            continue
        if layers_below is not None:
            index = re.search(r"\.layers?\.(\d+)\.", name)
            if index is None or int(index.group(1)) >= layers_below:
                continue
        total += count
    return total


# ---------------------------------------------------------------- synthetic data


def blip_samples(shape: BlipShape, count: int, seed: int) -> dict[str, torch.Tensor]:
    """`count` rows of random pixels, questions and answers, padded to the longest row."""
    g = torch.Generator().manual_seed(seed)
    t = shape.text
    bos, sep, pad = t.vocab - 2, 2, 0
    q_len = torch.randint(shape.question_tokens[0], shape.question_tokens[1] + 1, (count,), generator=g)
    a_len = torch.randint(shape.answer_tokens[0], shape.answer_tokens[1] + 1, (count,), generator=g)
    q_width, a_width = int(q_len.max()), int(a_len.max())
    questions = torch.randint(3, t.vocab - 2, (count, q_width), generator=g)
    answers = torch.randint(3, t.vocab - 2, (count, a_width), generator=g)
    q_mask = torch.arange(q_width)[None, :] < q_len[:, None]
    a_mask = torch.arange(a_width)[None, :] < a_len[:, None]
    questions[:, 0] = 101 if t.vocab > 101 else 1  # [CLS]
    answers[:, 0] = bos
    questions[torch.arange(count), q_len - 1] = sep
    answers[torch.arange(count), a_len - 1] = sep
    questions = questions.masked_fill(~q_mask, pad)
    answers = answers.masked_fill(~a_mask, pad)
    size = shape.vision.image_size
    return {
        "pixel_values": torch.randn(count, 3, size, size, generator=g),
        "input_ids": questions,
        "attention_mask": q_mask.long(),
        "decoder_input_ids": answers,
        "decoder_attention_mask": a_mask.long(),
        "labels": answers.masked_fill(~a_mask, -100),
    }


def llava_samples(shape: LlavaShape, count: int, seed: int) -> dict[str, torch.Tensor]:
    """LLaVA-1.5 prompts: `<s> USER: <image>x576 \\n question ASSISTANT: answer </s>`, right-padded.

    Labels are -100 everywhere but the answer and its closing token, as in instruction tuning.
    """
    g = torch.Generator().manual_seed(seed)
    image, n_image = image_token(shape), image_tokens(shape)
    pad = image + 1
    text_len = torch.randint(shape.text_tokens[0], shape.text_tokens[1] + 1, (count,), generator=g)
    answer_len = torch.randint(shape.answer_tokens[0], shape.answer_tokens[1] + 1, (count,), generator=g)
    lengths = text_len + n_image
    width = int(lengths.max())
    ids = torch.randint(3, image, (count, width), generator=g)
    ids[:, 0] = 1  # <s>
    prefix = 4  # "USER:" before the image
    ids[:, prefix : prefix + n_image] = image
    positions = torch.arange(width)[None, :]
    mask = positions < lengths[:, None]
    answer = (positions >= (lengths - answer_len)[:, None]) & mask
    ids[torch.arange(count), lengths - 1] = 2  # </s>
    ids = ids.masked_fill(~mask, pad)
    size = shape.vision.image_size
    return {
        "pixel_values": torch.randn(count, 3, size, size, generator=g),
        "input_ids": ids,
        "attention_mask": mask.long(),
        "labels": ids.masked_fill(~answer, -100),
    }


def tokens_per_sample(family: str, samples: dict[str, torch.Tensor], shape: BlipShape | LlavaShape) -> float:
    """Mean positions a sample puts through the model, image tokens included, padding not."""
    if family == "llava":
        return float(samples["attention_mask"].sum(1).float().mean())
    image = (shape.vision.image_size // shape.vision.patch) ** 2 + 1
    text = samples["attention_mask"].sum(1) + samples["decoder_attention_mask"].sum(1)
    return float(image + text.float().mean())


class RowDataset(torch.utils.data.Dataset):
    """The pool's rows one at a time, repeated to `length` (enough for the run), for a DataLoader to collate."""

    def __init__(self, samples: dict[str, torch.Tensor], length: int) -> None:
        self.samples = samples
        self.rows = len(next(iter(samples.values())))
        self.length = length

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return {key: value[index % self.rows] for key, value in self.samples.items()}


# ---------------------------------------------------------------- FLOPs


def flop_term(name: str, forward: float, backward: int, formula: str) -> dict[str, Any]:
    return {
        "term": name,
        "formula": formula,
        "forward": forward,
        "backward_factor": backward,
        "total": forward * (1 + backward),
    }


def blip_flops(config: BlipConfig, weights: dict[str, int], samples: dict[str, torch.Tensor]) -> list[dict]:
    """Full fine-tune: every layer trains, so backward is 2x forward (the patch embedding: weight grads only)."""
    v, t = config.vision_config, config.text_config
    patches = (v.image_size // v.patch_size) ** 2
    T = patches + 1
    s_q = samples["attention_mask"].sum(1).double()
    s_a = samples["decoder_attention_mask"].sum(1).double()
    n_patch = weights_where(weights, r"^vision_model\.embeddings\.patch_embedding$")
    n_vis = weights_where(weights, r"^vision_model\.encoder\.")
    n_enc_xkv = weights_where(weights, r"^text_encoder\..*crossattention\.self\.(key|value)$")
    n_enc = weights_where(weights, r"^text_encoder\.") - n_enc_xkv
    n_dec_xkv = weights_where(weights, r"^text_decoder\..*crossattention\.self\.(key|value)$")
    n_dec = weights_where(weights, r"^text_decoder\.") - n_dec_xkv
    L_v, L_t, d_v, d = v.num_hidden_layers, t.num_hidden_layers, v.hidden_size, t.hidden_size
    return [
        flop_term("vision patch embedding", 2 * patches * n_patch, 1, f"2*P*N_patch (P={patches})"),
        flop_term("vision linears", 2 * T * n_vis, 2, f"2*T*N_vis (T={T}, N_vis={n_vis:.4g})"),
        flop_term("vision attention", 4 * L_v * T * T * d_v, 2, f"4*L_v*T^2*d_v (L_v={L_v}, d_v={d_v})"),
        flop_term(
            "question encoder linears",
            float((2 * s_q * n_enc).mean() + 2 * T * n_enc_xkv),
            2,
            f"2*s_q*N_enc + 2*T*N_enc_xkv (cross-attention keys/values over the image; N_enc={n_enc:.4g}, "
            f"N_enc_xkv={n_enc_xkv:.4g})",
        ),
        flop_term(
            "question encoder attention",
            float((4 * L_t * (s_q * s_q + s_q * T) * d).mean()),
            2,
            f"4*L_t*(s_q^2 + s_q*T)*d (L_t={L_t}, d={d})",
        ),
        flop_term(
            "answer decoder linears + LM head",
            float((2 * s_a * n_dec + 2 * s_q * n_dec_xkv).mean()),
            2,
            f"2*s_a*N_dec + 2*s_q*N_dec_xkv (N_dec={n_dec:.4g} incl. the {t.vocab_size}-word head, "
            f"N_dec_xkv={n_dec_xkv:.4g})",
        ),
        flop_term(
            "answer decoder attention",
            float((L_t * (2 * s_a * s_a + 4 * s_a * s_q) * d).mean()),
            2,
            "L_t*(2*s_a^2 (causal) + 4*s_a*s_q)*d",
        ),
    ]


def llava_flops(config: LlavaConfig, parts: dict[str, Any], samples: dict[str, torch.Tensor]) -> list[dict]:
    """LoRA on a frozen base: the base's backward computes input gradients only (1x forward), the LoRA
    adapters and the projector's second linear train with input gradients (2x), the projector's first linear
    gets no input gradient (its input comes from the frozen tower: 1x), the vision tower runs forward only."""
    weights = parts["linear_weights"]
    v, t = config.vision_config, config.text_config
    patches = (v.image_size // v.patch_size) ** 2
    T = patches + 1
    layer = config.vision_feature_layer
    L_f = layer if layer >= 0 else v.num_hidden_layers + 1 + layer  # the tower layers the features need
    s = samples["attention_mask"].sum(1).double()
    n_patch = weights_where(weights, r"vision_tower\..*patch_embedding$")
    n_vis = weights_where(weights, r"vision_tower\..*encoder\.layers\.", layers_below=L_f)
    n_p1 = weights_where(weights, r"multi_modal_projector\.linear_1$")
    n_p2 = weights_where(weights, r"multi_modal_projector\.linear_2$")
    n_lm = weights_where(weights, r"language_model\..*layers\.\d+\.")
    n_head = weights_where(weights, r"^lm_head$")
    n_lora = parts["lora_weights"]
    L, d = t.num_hidden_layers, t.hidden_size
    return [
        flop_term(
            "vision tower linears (frozen, forward only)",
            float(2 * patches * n_patch + 2 * T * n_vis),
            0,
            f"2*P*N_patch + 2*T*N_vis (P={patches}, T={T}; N_vis={n_vis:.4g} in the L_f={L_f} layers up to "
            f"vision_feature_layer {layer})",
        ),
        flop_term(
            "vision tower attention (frozen, forward only)",
            float(4 * L_f * T * T * v.hidden_size),
            0,
            f"4*L_f*T^2*d_v (d_v={v.hidden_size})",
        ),
        flop_term("projector linear_1 (trained, input from the frozen tower)", 2 * patches * n_p1, 1, "2*P*N_p1"),
        flop_term("projector linear_2 (trained)", 2 * patches * n_p2, 2, "2*P*N_p2"),
        flop_term(
            "LM linears (frozen base)",
            float((2 * s * n_lm).mean()),
            1,
            f"2*s*N_lm (s = sequence incl. {patches} image tokens, N_lm={n_lm:.4g})",
        ),
        flop_term(
            "LM causal self-attention",
            float((2 * L * s * s * d).mean()),
            2,
            f"2*L*s^2*d (half of 4*L*s^2*d: causal; L={L}, d={d})",
        ),
        flop_term("LoRA adapters (trained)", float((2 * s * n_lora).mean()), 2, f"2*s*N_lora (N_lora={n_lora:.4g})"),
        flop_term("LM head (frozen, every position)", float((2 * s * n_head).mean()), 1, f"2*s*N_head ({n_head:.4g})"),
    ]


def peak_tflops(device: torch.device, override: float | None) -> tuple[float | None, str]:
    """The device's dense bf16 peak: `--peak-tflops` if given, else from the device name, else unknown."""
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    return (override if override is not None else peak_for(name)), name


def peak_for(device_name: str) -> float | None:
    for key, tflops in PEAK_BF16_TFLOPS:
        if key in device_name:
            return tflops
    return None


# ---------------------------------------------------------------- timing


class StopRun(Exception):
    """Raised from the loop's step callback when the wall-clock guard runs out."""


class StepClock:
    """Wall and CPU time from the end of the warm-up to the last step.

    The device is synchronised only at those two points (and when the guard stops a run), so each loop keeps
    whatever overlap of data loading and GPU work it has on its own; the guard reads the clock without waiting.
    """

    def __init__(self, device: torch.device, warmup: int, total: int, guard_s: float) -> None:
        self.device = device
        self.warmup = warmup
        self.total = total
        self.guard_s = guard_s
        self.steps = 0
        self.timed_steps = 0
        self.begin: tuple[float, float] | None = None
        self.end: tuple[float, float] | None = None

    def start(self) -> None:
        self.started = time.perf_counter()
        if self.warmup == 0:
            self.begin = self._now()

    def tick(self) -> bool:
        """A step has ended; True when the run should stop (the guard ran out)."""
        self.steps += 1
        if self.steps == self.warmup:
            self.begin = self._now()
        over = time.perf_counter() - self.started > self.guard_s
        if self.steps >= self.total or over:
            self.finish()
        return over

    def finish(self) -> None:
        if self.end is None:
            self.end = self._now()
            self.timed_steps = self.steps - self.warmup if self.begin is not None else 0

    def timed(self) -> tuple[float, float]:
        """Wall and CPU seconds of the steps after the warm-up."""
        assert self.begin is not None and self.end is not None
        return self.end[0] - self.begin[0], self.end[1] - self.begin[1]

    def _now(self) -> tuple[float, float]:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        return time.perf_counter(), time.process_time()


class ClockCallback(TrainerCallback):
    """The Trainer's step ends on the same clock; the guard stops training the Trainer's way."""

    def __init__(self, clock: StepClock) -> None:
        self.clock = clock

    def on_step_end(self, args: TrainingArguments, state: Any, control: Any, **kwargs: Any) -> Any:
        if self.clock.tick():
            control.should_training_stop = True
        return control


@dataclass(frozen=True)
class RunPlan:
    batch_size: int
    warmup: int
    steps: int
    learning_rate: float
    guard_s: float


def loader(samples: dict[str, torch.Tensor], plan: RunPlan, device: torch.device) -> torch.utils.data.DataLoader:
    """The same data pipeline for both loops: shuffled rows, the default collator, pinned host memory."""
    total = plan.warmup + plan.steps
    return torch.utils.data.DataLoader(
        RowDataset(samples, plan.batch_size * total),
        batch_size=plan.batch_size,
        shuffle=True,
        collate_fn=default_data_collator,
        pin_memory=device.type == "cuda",
        drop_last=True,
    )


def run_ours(model: nn.Module, samples: dict[str, torch.Tensor], plan: RunPlan, clock: StepClock) -> None:
    """`fit` on the loader's batches; it moves each to the device itself."""
    total = plan.warmup + plan.steps
    settings = LoopSettings(
        learning_rate=plan.learning_rate,
        weight_decay=0.0,
        warmup_steps=1,
        total_steps=total,
        grad_accum=1,
        precision="bf16",
        max_grad_norm=1.0,
    )

    def on_step(*args: Any, **kwargs: Any) -> None:
        if clock.tick():
            raise StopRun

    batches = loader(samples, plan, clock.device)
    clock.start()
    try:
        fit(model, batches, settings, on_step=on_step)
    except StopRun:
        pass
    clock.finish()


def run_trainer(
    model: nn.Module, samples: dict[str, torch.Tensor], plan: RunPlan, clock: StepClock, compile: bool = False
) -> None:
    """A plain Trainer as a user would set it up: its DataLoader (the same as ours), optimizer and bf16 autocast;
    with `compile`, `torch_compile=True` (the Trainer compiles the whole model on its first step)."""
    total = plan.warmup + plan.steps
    with tempfile.TemporaryDirectory(prefix="gpu-train-bench-") as scratch:
        args = TrainingArguments(
            output_dir=scratch,
            per_device_train_batch_size=plan.batch_size,
            max_steps=total,
            learning_rate=plan.learning_rate,
            weight_decay=0.0,
            lr_scheduler_type="cosine",
            warmup_steps=1,
            max_grad_norm=1.0,
            bf16=True,
            logging_strategy="no",
            save_strategy="no",
            report_to="none",
            disable_tqdm=True,
            dataloader_num_workers=0,
            label_names=["labels"],
            seed=0,
            use_cpu=clock.device.type == "cpu",
            torch_compile=compile,
        )
        trainer = Trainer(
            model=model,
            args=args,
            train_dataset=RowDataset(samples, plan.batch_size * total),
            callbacks=[ClockCallback(clock)],
        )
        clock.start()
        trainer.train()
    clock.finish()


def run_compiled(model: nn.Module, samples: dict[str, torch.Tensor], plan: RunPlan, clock: StepClock) -> None:
    """Our loop on the model with its repeated blocks compiled; compiling falls in the warm-up steps."""
    compile_repeated_blocks(model)
    run_ours(model, samples, plan, clock)


RUNNERS: dict[str, Callable[[nn.Module, dict[str, torch.Tensor], RunPlan, StepClock], None]] = {
    "ours": run_ours,
    "trainer": run_trainer,
    "compiled": run_compiled,
    "trainer_compiled": functools.partial(run_trainer, compile=True),
}


def measure(
    family: str, loop: str, shape: BlipShape | LlavaShape, plan: RunPlan, device: torch.device, peak: float | None
) -> tuple[Measurement, dict[str, Any]]:
    """Build the model, run the loop, time it; any failure (out of memory included) is recorded, not raised."""
    result = Measurement(family, loop, plan.batch_size, plan.warmup)
    info: dict[str, Any] = {}
    model = None
    release(device)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        result.start_memory_gib = torch.cuda.memory_allocated(device) / 2**30
    started = time.perf_counter()
    try:
        samples = SAMPLERS[family](shape, plan.batch_size * 4, seed=1)
        if family == "blip":
            model = build_blip(shape, device)
            config = model.config
            terms = blip_flops(config, linear_weights(model), samples)
        else:
            model, parts = build_llava(shape, device)
            config = model.base_model.model.config
            terms = llava_flops(config, parts, samples)
            info["lora"] = parts["lora"]
        info["flop_terms"] = terms
        info["flops_per_sample"] = sum(term["total"] for term in terms)
        info["tokens_per_sample"] = tokens_per_sample(family, samples, shape)
        info["attention"] = getattr(config, "_attn_implementation", None)
        info["trainable_parameters"] = sum(p.numel() for p in model.parameters() if p.requires_grad)
        info["parameters"] = sum(p.numel() for p in model.parameters())
        clock = StepClock(device, plan.warmup, plan.warmup + plan.steps, plan.guard_s)
        result.setup_seconds = time.perf_counter() - started
        RUNNERS[loop](model, samples, plan, clock)
        result.timed_steps = clock.timed_steps
        if result.timed_steps == 0:
            raise RuntimeError(f"no timed step within the {plan.guard_s:.0f} s wall-clock guard")
        result.seconds, result.cpu_seconds = clock.timed()
        result.samples_per_s = plan.batch_size * result.timed_steps / result.seconds
        result.tokens_per_s = result.samples_per_s * info["tokens_per_sample"]
        result.tflops_per_s = result.samples_per_s * info["flops_per_sample"] / 1e12
        result.mfu = result.tflops_per_s / peak if peak else None
    except Exception as error:  # noqa: BLE001 - one configuration's failure must not end the benchmark
        result.error = describe(error)
        traceback.print_exc()  # the whole story in the log; the report keeps one line
    finally:
        result.peak_memory_gib, result.memory_kind = peak_memory(device)
        del model
        release(device)
    return result, info


def describe(error: BaseException) -> str:
    if isinstance(error, torch.cuda.OutOfMemoryError):
        return "out of memory: " + str(error).splitlines()[0]
    frame = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
    where = f" ({Path(frame.filename).name}:{frame.lineno})" if frame else ""
    return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}{where}"


def peak_memory(device: torch.device) -> tuple[float, str]:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**30, "cuda max_memory_allocated"
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, "process max RSS (CPU run; cumulative)"


def release(device: torch.device) -> None:
    """Free what the last configuration left: its objects, compiled graphs and cached GPU blocks."""
    torch.compiler.reset()
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()


SAMPLERS: dict[str, Callable[..., dict[str, torch.Tensor]]] = {"blip": blip_samples, "llava": llava_samples}


# ---------------------------------------------------------------- report


def ratios(results: list[Measurement], loop: str = "ours", baseline: str = "trainer") -> dict[str, float | None]:
    """`loop`'s samples/s over `baseline`'s, per model (None where either failed or did not run)."""
    out: dict[str, float | None] = {}
    for family in dict.fromkeys(r.model for r in results):
        by_loop = {r.loop: r for r in results if r.model == family}
        ours, theirs = by_loop.get(loop), by_loop.get(baseline)
        ok = ours and theirs and not ours.error and not theirs.error
        out[family] = ours.samples_per_s / theirs.samples_per_s if ok else None
    return out


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Training throughput: {report['device']}",
        "",
        f"{report['date']}; torch {report['torch']}, transformers {report['transformers']}, peft {report['peft']}, "
        f"accelerate {report['accelerate']}; "
        f"dense bf16 peak {report['peak_tflops'] or 'unknown'} TFLOP/s; shapes: {report['shapes']}.",
        "",
        "| model | loop | batch | timed steps | samples/s | tokens/s | TFLOP/s | MFU | peak GiB | note |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in report["results"]:
        mfu = f"{100 * r['mfu']:.1f}%" if r["mfu"] is not None else "n/a"
        lines.append(
            f"| {r['model']} | {r['loop']} | {r['batch_size']} | {r['timed_steps']} | {r['samples_per_s']:.2f} "
            f"| {r['tokens_per_s']:.0f} | {r['tflops_per_s']:.3g} | {mfu} | {r['peak_memory_gib']:.1f} "
            f"| {(r['error'] or '').replace('|', '/')} |"
        )
    lines += ["", "Ours / Trainer samples/s: " + ", ".join(f"{k} {fmt_ratio(v)}" for k, v in report["ratio"].items())]
    if any(v is not None for v in report["ratio_compiled"].values()):
        compiled = ", ".join(f"{k} {fmt_ratio(v)}" for k, v in report["ratio_compiled"].items())
        lines += ["", "Ours compiled / Trainer samples/s: " + compiled]
    if any(v is not None for v in report["ratio_compiled_vs_compiled_trainer"].values()):
        fair = ", ".join(f"{k} {fmt_ratio(v)}" for k, v in report["ratio_compiled_vs_compiled_trainer"].items())
        lines += ["", "Ours compiled / Trainer(torch_compile=True) samples/s: " + fair]
    lines += ["", "All loops read the same DataLoader (shuffled rows, default collator, pinned memory, no workers)."]
    lines += ["", f"FLOP count, {report['flop_rule']}.", ""]
    for family, model in report["models"].items():
        if "flop_terms" not in model:
            continue
        lines.append(
            f"- {family}: {model['flops_per_sample'] / 1e12:.4g} TFLOP per sample; tokens per sample "
            f"{model['tokens_per_sample']:.0f} (image tokens included, padding not)"
        )
        for term in model["flop_terms"]:
            lines.append(
                f"  - {term['term']}: {term['formula']}; forward {term['forward'] / 1e9:.4g} GFLOP "
                f"x (1 + {term['backward_factor']})"
            )
    lines += ["", "Settings: " + json.dumps(report["settings"], sort_keys=True), ""]
    return "\n".join(lines)


def fmt_ratio(value: float | None) -> str:
    return f"{value:.2f}x" if value is not None else "n/a"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="folder for gpu_train.json and gpu_train.md")
    parser.add_argument("--tiny", action="store_true", help="tiny shapes (CPU, seconds): the same code path")
    parser.add_argument("--models", default="blip,llava", help="comma-separated: blip, llava")
    parser.add_argument(
        "--loops",
        default="ours,trainer",
        help="comma-separated: ours, trainer, compiled (ours + regional torch.compile), trainer_compiled "
        "(Trainer with torch_compile=True)",
    )
    parser.add_argument("--steps", type=int, default=10, help="timed steps per configuration")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps before them")
    parser.add_argument("--batch-size-blip", type=int, default=None, help=f"default {DEFAULT_BATCH['blip']}")
    parser.add_argument("--batch-size-llava", type=int, default=None, help=f"default {DEFAULT_BATCH['llava']}")
    parser.add_argument("--peak-tflops", type=float, default=None, help="dense bf16 peak; default: from the GPU")
    parser.add_argument("--guard-s", type=float, default=150.0, help="wall-clock limit of one configuration's steps")
    parser.add_argument(
        "--budget-s",
        type=float,
        default=330.0,
        help="wall-clock budget of the whole run: no configuration starts after it, running steps stop at it",
    )
    args = parser.parse_args(argv)
    models = [m for m in args.models.split(",") if m]
    loops = [name for name in args.loops.split(",") if name]
    if not set(models) <= set(MODELS) or not set(loops) <= set(LOOPS) or not models or not loops:
        parser.error(f"--models takes {','.join(MODELS)} and --loops {','.join(LOOPS)}")
    if args.steps < 1 or args.warmup < 0:
        parser.error("--steps must be at least 1 and --warmup at least 0")

    started = time.perf_counter()
    device = torch.device("cpu" if args.tiny or not torch.cuda.is_available() else "cuda")
    peak, device_name = peak_tflops(device, args.peak_tflops)
    shapes = {"blip": TINY_BLIP if args.tiny else REAL_BLIP, "llava": TINY_LLAVA if args.tiny else REAL_LLAVA}
    batch = {"blip": args.batch_size_blip, "llava": args.batch_size_llava}
    if device.type == "cpu":
        torch.set_num_threads(1)  # tiny models: threads only add contention on a shared CPU
    results: list[Measurement] = []
    models_info: dict[str, Any] = {}
    settings: dict[str, Any] = {}
    plans = {}
    for family in models:
        size = batch[family] or (2 if args.tiny else DEFAULT_BATCH[family])
        plans[family] = RunPlan(size, args.warmup, args.steps, 2e-4 if family == "llava" else 2e-5, args.guard_s)
        settings[family] = {**asdict(plans[family]), "ours": OUR_SETTINGS[family], "trainer": TRAINER_SETTINGS}
    # The comparison first, the compiled variants (slowest to start, least certain) last, LLaVA's (the goals') first.
    configs = [(f, loop) for f in models for loop in loops if loop not in COMPILED_LOOPS]
    configs += [
        (f, loop) for f in sorted(models, key=lambda f: f != "llava") for loop in loops if loop in COMPILED_LOOPS
    ]
    environment = {"device": device_name, "peak_tflops": peak, "shapes": "tiny" if args.tiny else "real"}
    for family, loop in configs:
        plan = plans[family]
        left = args.budget_s - (time.perf_counter() - started)
        if left > 0:
            result, info = measure(
                family, loop, shapes[family], dataclasses.replace(plan, guard_s=min(plan.guard_s, left)), device, peak
            )
            models_info.setdefault(family, {}).update(info)
        else:
            result = Measurement(family, loop, plan.batch_size, plan.warmup, error="skipped: --budget-s used up")
        results.append(result)
        print(one_line(result), flush=True)
        report = build_report(environment, settings, models_info, results, time.perf_counter() - started)
        write_report(report, args.out)  # after every configuration: a run cut short keeps what it measured
    print(markdown(report))
    return report


def build_report(
    environment: dict[str, Any],
    settings: dict[str, Any],
    models: dict[str, Any],
    results: list[Measurement],
    seconds: float,
) -> dict[str, Any]:
    return {
        **environment,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "peft": peft.__version__,
        "accelerate": accelerate.__version__,
        "flop_rule": BACKWARD_RULE,
        "tokens_definition": "positions a sample puts through the model: image tokens and text tokens, not padding",
        "settings": settings,
        "models": models,
        "results": [asdict(r) for r in results],
        "ratio": ratios(results),
        "ratio_compiled": ratios(results, "compiled"),
        "ratio_compiled_vs_compiled_trainer": ratios(results, "compiled", "trainer_compiled"),
        "seconds": seconds,
    }


def write_report(report: dict[str, Any], out: Path) -> None:
    write_json(report, out / "gpu_train.json")
    with atomic_path(out / "gpu_train.md") as tmp:
        tmp.write_text(markdown(report), encoding="utf-8")


def one_line(r: Measurement) -> str:
    if r.error:
        return f"{r.model}/{r.loop}: {r.error}"
    mfu = f"{100 * r.mfu:.1f}%" if r.mfu is not None else "n/a"
    return (
        f"{r.model}/{r.loop}: {r.samples_per_s:.2f} samples/s, {r.tokens_per_s:.0f} tokens/s, MFU {mfu}, "
        f"peak {r.peak_memory_gib:.1f} GiB, setup {r.setup_seconds:.0f} s"
    )


# What each loop is given, recorded with the results. Ours: bf16 frozen base (LLaVA), fp32 trained weights,
# bf16 autocast, AdamW fused where the device has it (fit's choice), SDPA attention where the model has it,
# no gradient checkpointing. The Trainer: the same model and batches, `bf16=True`, its defaults otherwise.
OUR_SETTINGS = {
    "blip": "full fine-tune, fp32 weights, precision bf16 (autocast), fused AdamW, no gradient checkpointing",
    "llava": "bf16 frozen base, LoRA + projector in fp32, precision bf16 (autocast), fused AdamW, SDPA, "
    "no gradient checkpointing, LoRA dropout 0",
}
TRAINER_SETTINGS = (
    "TrainingArguments(bf16=True, lr cosine, max_grad_norm 1.0), default optimizer and DataLoader; "
    "trainer_compiled adds torch_compile=True (inductor, default mode)"
)


if __name__ == "__main__":
    main()
