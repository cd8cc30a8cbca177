"""Ask one question about one photograph: the trained model alone (BLIP or LLaVA), or, given the
catalogue, as `serve` answers it (the exhibit recognised, the free-form question read in any supported
language and answered from the record in that language where the record knows)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from museumvqa.errors import UserError
from museumvqa.images.process import ImageError, load_image
from museumvqa.models.registry import load_answerer
from museumvqa.questions.templates import available_languages

if TYPE_CHECKING:
    from museumvqa.serving.answering import Reply


def ask(image_path: str | Path, question: str, model_dir: str | Path) -> str:
    """The model's answer to `question` about the image at `image_path`."""
    if not question.strip():
        raise UserError("the question is empty")
    try:
        image = load_image(image_path)
    except ImageError as e:
        raise UserError(f"{image_path}: {e.reason}") from None
    return load_answerer(model_dir, batch_size=1).answer([image], [question])[0]


def ask_museum(
    image_path: str | Path,
    question: str,
    model_dir: str | Path,
    catalog_dir: str | Path,
    mode: str = "grounded",
    language: str | None = None,
    min_inliers: int | None = None,
) -> Reply:
    """`serve`'s reply to `question` about the image at `image_path`, from a run folder's catalogue
    (`min_inliers`: the open-set threshold, None for the calibrated one); `reply.match` is None when the
    photo shows no exhibit of the catalogue."""
    from museumvqa.serving.answering import MODES
    from museumvqa.serving.server import load_responder

    if not question.strip():
        raise UserError("the question is empty")
    if mode not in MODES:
        raise UserError(f"unknown mode {mode!r}; known: {', '.join(MODES)}")
    if language is not None and language not in available_languages():
        raise UserError(f"unknown language {language!r}; supported: {', '.join(available_languages())}")
    try:
        image = load_image(image_path)
    except ImageError as e:
        raise UserError(f"{image_path}: {e.reason}") from None
    responder = load_responder(model_dir, catalog_dir, min_inliers)
    return responder.respond(image, question, language, mode)  # type: ignore[arg-type]
