"""A small real run folder for the serving tests: 20 Met paintings ingested and sharded, and a tiny
untrained BLIP and a tiny untrained LLaVA saved as safetensors (answers are nonsense, but real model output)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from museumvqa.catalog.adapters.met_api import MetApiAdapter
from museumvqa.catalog.ingest import ingest
from museumvqa.images.shards import build_shards
from museumvqa.models.blip import new_tiny_blip
from museumvqa.models.llava import new_tiny_llava
from museumvqa.serving.answering import Responder
from museumvqa.serving.server import load_responder
from museumvqa.settings import ShardsConfig


@pytest.fixture(scope="session")
def serve_run(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path, met_records: list[dict]) -> Path:
    root = tmp_path_factory.mktemp("serve_run")
    records = root / "objects.json"
    records.write_text(json.dumps({"total": 20, "objects": met_records[:20]}))
    ingest([records], root, MetApiAdapter(sample_dir), progress=False)
    build_shards(root / "exhibits", root / "shards", ShardsConfig(image_size=96), progress=False)
    model, processor = new_tiny_blip()
    model.save_pretrained(root / "model")
    processor.save_pretrained(root / "model")
    llava, llava_processor = new_tiny_llava()
    llava.save_pretrained(root / "llava")
    llava_processor.save_pretrained(root / "llava")
    return root


@pytest.fixture(scope="session")
def responder(serve_run: Path) -> Responder:
    return load_responder(serve_run / "model", serve_run)


@pytest.fixture(scope="session")
def llava_responder(serve_run: Path) -> Responder:
    return load_responder(serve_run / "llava", serve_run)
