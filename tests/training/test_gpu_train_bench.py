"""benchmarks/gpu_train.py at tiny shapes on the CPU: the report it writes, and its FLOP count checked
against torch's own FLOP counter on the same forward and backward pass."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "gpu_train.py"


@pytest.fixture(scope="module")
def bench():
    """The script as a module; one thread, as its --tiny mode uses (tiny models gain nothing from more)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    spec = importlib.util.spec_from_file_location("gpu_train", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["gpu_train"] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules["gpu_train"]
    torch.set_num_threads(threads)


def counted(model: torch.nn.Module, samples: dict[str, torch.Tensor]) -> Counter:
    """FLOPs of one training forward and backward, by aten op, as torch's FlopCounterMode counts them."""
    model.train()
    with FlopCounterMode(display=False) as counter, torch.autocast("cpu", dtype=torch.bfloat16):
        model(**samples).loss.backward()
    return Counter({str(op): flops for op, flops in counter.get_flop_counts()["Global"].items()})


def linear_ops(ops: Counter) -> int:
    return sum(n for op, n in ops.items() if op in ("aten.mm", "aten.addmm") or op.startswith("aten.convolution"))


def total(terms: list[dict], attention: bool) -> float:
    return sum(t["total"] for t in terms if ("attention" in t["term"]) == attention)


@pytest.mark.slow
def test_tiny_run_reports_both_models_and_loops(tmp_path: Path) -> None:
    out = tmp_path / "bench"
    command = [sys.executable, str(SCRIPT), "--tiny", "--steps", "2", "--warmup", "1", "--peak-tflops", "1"]
    subprocess.run([*command, "--out", str(out)], check=True, cwd=ROOT, capture_output=True, timeout=300)
    report = json.loads((out / "gpu_train.json").read_text())
    assert [(r["model"], r["loop"]) for r in report["results"]] == [
        ("blip", "ours"),
        ("blip", "trainer"),
        ("llava", "ours"),
        ("llava", "trainer"),
    ]
    for r in report["results"]:
        assert r["error"] is None, r
        assert r["timed_steps"] == 2 and r["batch_size"] == 2
        for key in ("seconds", "samples_per_s", "tokens_per_s", "tflops_per_s", "mfu", "peak_memory_gib"):
            assert r[key] > 0, (r["model"], r["loop"], key)
        assert r["tflops_per_s"] == pytest.approx(r["mfu"])  # --peak-tflops 1
    assert all(ratio > 0 for ratio in report["ratio"].values()) and set(report["ratio"]) == {"blip", "llava"}
    assert "input gradients only" in report["flop_rule"]
    for family in ("blip", "llava"):
        model = report["models"][family]
        assert model["flops_per_sample"] == pytest.approx(sum(t["total"] for t in model["flop_terms"]))
        assert all(t["formula"] and t["forward"] > 0 for t in model["flop_terms"])
    assert report["models"]["llava"]["lora"]["r"] == 4
    assert report["models"]["llava"]["tokens_per_sample"] > 4  # the image's 4 tokens and the text's
    markdown = (out / "gpu_train.md").read_text()
    assert "| llava | trainer | 2 | 2 |" in markdown and "Ours / Trainer samples/s: blip" in markdown


def test_blip_flops_match_torch_counter(bench) -> None:
    """Full fine-tune: every matmul's forward and backward as counted; attention differs only by the
    causal half of the answer decoder's self-attention, which the eager kernel computes and we leave out."""
    shape = dataclasses.replace(bench.TINY_BLIP, question_tokens=(6, 6), answer_tokens=(4, 4))  # no padding
    torch.manual_seed(0)
    model = bench.build_blip(shape, torch.device("cpu"))
    samples = bench.blip_samples(shape, 2, seed=1)
    ops = counted(model, samples)
    terms = bench.blip_flops(model.config, bench.linear_weights(model), samples)
    assert linear_ops(ops) == total(terms, attention=False) * 2
    text = model.config.text_config
    masked_half = text.num_hidden_layers * 2 * 4 * 4 * text.hidden_size * 3  # L*2*s_a^2*d, forward + backward
    assert ops["aten.bmm"] == (total(terms, attention=True) + masked_half) * 2


def test_llava_lora_flops_match_torch_counter(bench) -> None:
    """Frozen base: input gradients only; LoRA and projector trained; vision tower forward only."""
    shape = dataclasses.replace(bench.TINY_LLAVA, text_tokens=(10, 10))  # no padding
    model, parts = bench.build_llava(shape, torch.device("cpu"))
    config = model.base_model.model.config
    config.vision_feature_layer = -1  # the tower then uses every layer it runs, as the counter sees them
    samples = bench.llava_samples(shape, 2, seed=1)
    ops = counted(model, samples)
    terms = bench.llava_flops(config, parts, samples)
    assert linear_ops(ops) == total(terms, attention=False) * 2
    by_name = {t["term"]: t for t in terms}
    assert by_name["LM linears (frozen base)"]["backward_factor"] == 1
    assert by_name["vision tower linears (frozen, forward only)"]["backward_factor"] == 0


def test_failed_configuration_is_recorded_not_raised(bench) -> None:
    plan = bench.RunPlan(batch_size=2, warmup=1, steps=5, learning_rate=1e-3, guard_s=0.0)
    result, info = bench.measure("blip", "ours", bench.TINY_BLIP, plan, torch.device("cpu"), 1.0)
    assert result.timed_steps == 0 and result.samples_per_s == 0
    assert "wall-clock guard" in result.error
    assert info["flops_per_sample"] > 0


def test_peak_from_device_name(bench) -> None:
    assert bench.peak_for("NVIDIA H100 80GB HBM3") == 989.0
    assert bench.peak_for("NVIDIA H100 PCIe") == 756.0
    assert bench.peak_for("NVIDIA H200") == 989.0
    assert bench.peak_for("Some Other GPU") is None
