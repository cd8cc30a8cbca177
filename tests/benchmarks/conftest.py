from __future__ import annotations

from pathlib import Path

import pytest
from helpers.small_museum import build_small_museum


@pytest.fixture(scope="session")
def small_museum(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_small_museum(tmp_path_factory.mktemp("small_museum"))
