"""The Tate sample (../shared/data/tate), ingested through the catalog's Tate adapter once per session."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from museumvqa.catalog.adapters.tate import TateAdapter
from museumvqa.catalog.ingest import ingest
from museumvqa.catalog.schema import Exhibit, exhibit_from_row

TATE = Path(__file__).resolve().parents[3] / "shared" / "data" / "tate"


@pytest.fixture(scope="session")
def tate_questions_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (TATE / "artworks.jsonl").is_file():
        pytest.skip("the Tate sample (../shared/data/tate) is not here")
    out = tmp_path_factory.mktemp("tate_questions_run")
    ingest([TATE / "artworks.jsonl"], out, TateAdapter(TATE / "artists.jsonl"), progress=False)
    return out


def read_exhibits(run: Path) -> list[Exhibit]:
    return [exhibit_from_row(row) for row in pq.read_table(run / "exhibits").to_pylist()]


@pytest.fixture(scope="session")
def tate_exhibits(tate_questions_run: Path) -> list[Exhibit]:
    return read_exhibits(tate_questions_run)


@pytest.fixture(scope="session")
def met_exhibits(ingested_sample: Path) -> list[Exhibit]:
    return read_exhibits(ingested_sample)
