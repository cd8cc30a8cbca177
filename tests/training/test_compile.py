"""Regional compilation compiles each repeated layer and leaves the model's answers unchanged."""

from __future__ import annotations

import pytest
import torch

from museumvqa.models.llava import new_tiny_llava
from museumvqa.training.compile import compile_repeated_blocks


@pytest.mark.slow
def test_compiles_every_repeated_layer_and_keeps_the_loss() -> None:
    model, _ = new_tiny_llava(seed=0)
    vision_layers = model.config.vision_config.num_hidden_layers
    text_layers = model.config.text_config.num_hidden_layers
    torch.manual_seed(0)
    size = model.config.vision_config.image_size
    image_tokens = (size // model.config.vision_config.patch_size) ** 2
    ids = torch.randint(5, 100, (2, image_tokens + 6))
    ids[:, 1 : 1 + image_tokens] = model.config.image_token_id
    batch = {"input_ids": ids, "pixel_values": torch.randn(2, 3, size, size), "labels": ids.clone()}
    model.eval()
    with torch.no_grad():
        eager = model(**batch).loss

    assert compile_repeated_blocks(model) == vision_layers + text_layers
    with torch.no_grad():
        compiled = model(**batch).loss
    torch.testing.assert_close(compiled, eager, rtol=1e-4, atol=1e-4)
