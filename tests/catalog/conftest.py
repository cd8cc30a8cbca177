"""Catalog fixtures: the real Tate sample, skipped where ../shared/data/tate is absent."""

from __future__ import annotations

from pathlib import Path

import pytest
from catalog_helpers import SHARED_DATA

from museumvqa.catalog.ingest import ingest


@pytest.fixture(scope="session")
def tate_dir() -> Path:
    folder = SHARED_DATA / "tate"
    if not (folder / "artworks.jsonl").is_file():
        pytest.skip("Tate sample not present (../shared/data/tate)")
    return folder


@pytest.fixture(scope="session")
def tate_catalog_run(tmp_path_factory: pytest.TempPathFactory, tate_dir: Path) -> Path:
    """The 3,000-work Tate sample ingested with format detection."""
    out = tmp_path_factory.mktemp("tate_catalog_run")
    ingest([tate_dir], out, progress=False)
    return out
