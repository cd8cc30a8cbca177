"""Evaluation fixtures: the small real museum with its task sets, and a tiny untrained BLIP."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.small_museum import build_small_museum

from museumvqa.tasks.build import build_benchmarks


@pytest.fixture(scope="session")
def small_museum_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run folder (shards/, benchmarks/) on the small museum: every one of the five tasks has rows."""
    run = tmp_path_factory.mktemp("run")
    paths = build_small_museum(run)
    build_benchmarks(
        paths["qa"], paths["index"], run / "benchmarks", seed=0, test_fraction=0.3, exhibits=paths["exhibits"]
    )
    return run


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised tiny BLIP saved as a model folder (no weights come from anywhere). Its
    matrices are drawn wide (std 0.2), so that even untrained it answers differently per input."""
    import torch

    from museumvqa.models.blip import new_tiny_blip

    model, processor = new_tiny_blip(image_size=32, hidden=32, layers=1, heads=2)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for parameter in model.parameters():
            if parameter.dim() > 1:
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.2)
    folder = tmp_path_factory.mktemp("tiny_blip")
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder
