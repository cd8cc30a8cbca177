"""Load the model and the catalogue once, then serve them with uvicorn."""

from __future__ import annotations

from pathlib import Path

from museumvqa.models.registry import load_answerer
from museumvqa.serving.answering import Responder
from museumvqa.serving.app import ServeSettings, create_app
from museumvqa.serving.catalogue import Catalogue
from museumvqa.serving.categories import detector


def load_responder(model_dir: str | Path, catalog_dir: str | Path, min_inliers: int | None = None) -> Responder:
    """A run folder's catalogue, then the model, BLIP or LLaVA (safetensors only): the quick check first.
    `min_inliers`: the open-set threshold (None: the catalogue's own from `museumvqa calibrate`, else
    `catalogue.CALIBRATED`)."""
    catalogue = Catalogue.load(catalog_dir, min_inliers)
    return Responder(load_answerer(model_dir, batch_size=1), catalogue)


def serve(
    model_dir: str | Path,
    catalog_dir: str | Path,
    host: str,
    port: int,
    settings: ServeSettings,
    min_inliers: int | None = None,
) -> None:
    import uvicorn

    app = create_app(load_responder(model_dir, catalog_dir, min_inliers), settings)
    detector()  # embed the question prototypes now (cached on disk), not on the first visitor's question
    uvicorn.run(app, host=host, port=port, log_level="info")
