"""Ask a trained model (BLIP or LLaVA) one question about one photograph."""

from __future__ import annotations

from pathlib import Path

from museumvqa.errors import UserError
from museumvqa.images.process import ImageError, load_image
from museumvqa.models.registry import load_answerer


def ask(image_path: str | Path, question: str, model_dir: str | Path) -> str:
    """The model's answer to `question` about the image at `image_path`."""
    if not question.strip():
        raise UserError("the question is empty")
    try:
        image = load_image(image_path)
    except ImageError as e:
        raise UserError(f"{image_path}: {e.reason}") from None
    return load_answerer(model_dir, batch_size=1).answer([image], [question])[0]
