"""Helpers shared by the catalog tests (a uniquely named module: conftest names collide across folders)."""

from __future__ import annotations

from pathlib import Path

from museumvqa.catalog.schema import Exhibit, exhibit_from_row
from museumvqa.io import read_parquet_dir

FIXTURES = Path(__file__).parent / "fixtures"
SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"  # as in tests/conftest.py


def read_exhibits(run: Path) -> dict[str, Exhibit]:
    return {r["exhibit_id"]: exhibit_from_row(r) for r in read_parquet_dir(run / "exhibits").to_pylist()}
