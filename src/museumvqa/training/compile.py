"""Regional `torch.compile`: compile each layer of a model's repeated stacks, not the whole model.

The layers of a stack (a ViT's encoder layers, a Llama's decoder layers) share one compiled graph, so
compiling costs about one layer's time instead of the whole model's, and the code between stacks
(embedding, merging image features into the prompt, the loss) stays eager. On an H200 this took
LLaVA-1.5-7B LoRA training from 16.5 to 24.8 samples/s (see BENCHMARKS.md, benchmarks/gpu_train.py).
"""

from __future__ import annotations

from torch import nn


def compile_repeated_blocks(model: nn.Module) -> int:
    """Compile in place every block of each `ModuleList` of two or more same-typed layers; returns how many.

    Shapes are left to torch's automatic dynamic detection: a run whose batches all share one shape
    compiles once, one with varying sequence lengths marks them dynamic after the first recompile.
    """
    blocks = 0
    for stack in model.modules():
        if isinstance(stack, nn.ModuleList) and len(stack) > 1 and len({type(m) for m in stack}) == 1:
            for block in stack:
                block.compile()
                blocks += 1
    return blocks
