"""A small real run folder for the serving tests: 20 Met paintings ingested and sharded, and a tiny
untrained BLIP and a tiny untrained LLaVA saved as safetensors (answers are nonsense, but real model output)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from museumvqa.catalog.adapters.met_api import MetApiAdapter
from museumvqa.catalog.ingest import ingest
from museumvqa.images.shards import build_shards
from museumvqa.models.blip import new_tiny_blip
from museumvqa.models.llava import new_tiny_llava
from museumvqa.serving.answering import Responder
from museumvqa.serving.app import create_app
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(responder: Responder) -> Iterator[str]:
    """`serve`'s app on a free loopback port (uvicorn in a thread), its base URL."""
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(create_app(responder), host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(10)
