"""Bad settings and paths are refused before torch loads: the error comes in well under 2 s, not after
the 12-20 s that importing torch and transformers and loading a model take."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import json, sys, time
from museumvqa.cli import main
sys.argv = ["museumvqa", *sys.argv[1:]]
started = time.monotonic()
try:
    main()
except SystemExit as e:
    code = e.code
print(json.dumps({"code": code, "torch": "torch" in sys.modules, "transformers": "transformers" in sys.modules,
                  "seconds": time.monotonic() - started}))
"""


def probe(*args: str) -> tuple[dict, str]:
    """Run the CLI entry point in a fresh interpreter; what it exited with and whether torch was imported."""
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120)
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


@pytest.fixture
def tables(tmp_path: Path) -> Path:
    (tmp_path / "shards").mkdir()
    (tmp_path / "train.parquet").write_bytes(b"")
    return tmp_path


def test_train_setting_typo_fails_before_torch(tables: Path) -> None:
    result, stderr = probe(
        "train", "--train", str(tables / "train.parquet"), "--shards", str(tables / "shards"),
        "--out", str(tables / "model"), "--set", "epocs=2",
    )  # fmt: skip
    assert result["code"] == 2 and not result["torch"] and not result["transformers"]
    assert "unknown key 'epocs'" in stderr and "epochs" in stderr and "Traceback" not in stderr


def test_train_missing_table_fails_before_torch(tables: Path) -> None:
    result, stderr = probe(
        "train", "--train", str(tables / "nope.parquet"), "--shards", str(tables / "shards"), "--out", str(tables / "m")
    )
    assert result["code"] == 2 and not result["torch"]
    assert f"--train {tables / 'nope.parquet'}: no such file" in stderr


def test_serve_with_a_catalog_that_is_not_a_run_fails_before_torch(tmp_path: Path) -> None:
    (tmp_path / "model").mkdir()
    result, stderr = probe("serve", "--model", str(tmp_path / "model"), "--catalog", str(tmp_path / "NOT_A_RUN"))
    assert result["code"] == 2 and not result["torch"] and not result["transformers"]
    assert "--catalog" in stderr and "not a run folder (no exhibits/, shards/)" in stderr


def test_serve_with_a_folder_that_is_not_a_model_fails_before_torch(tmp_path: Path) -> None:
    for part in ("exhibits", "shards"):
        (tmp_path / "run" / part).mkdir(parents=True)
    (tmp_path / "model").mkdir()
    result, stderr = probe("serve", "--model", str(tmp_path / "model"), "--catalog", str(tmp_path / "run"))
    assert result["code"] == 2 and not result["torch"] and "no config.json" in stderr


def test_serve_absurd_port_is_a_usage_error(tmp_path: Path) -> None:
    result, stderr = probe("serve", "--model", str(tmp_path), "--catalog", str(tmp_path), "--port", "99999")
    assert result["code"] == 2 and not result["torch"]
    assert "--port" in stderr and "65535" in stderr and "Traceback" not in stderr and len(stderr.splitlines()) <= 4


def test_ask_with_a_missing_photo_fails_before_torch(tmp_path: Path) -> None:
    result, stderr = probe("ask", str(tmp_path / "missing.jpg"), "Who made this?", "--model", str(tmp_path))
    assert result["code"] == 2 and not result["torch"] and stderr.startswith(f"error: {tmp_path / 'missing.jpg'}")


def test_evaluate_on_a_folder_that_is_not_a_run_fails_before_torch(tmp_path: Path) -> None:
    result, stderr = probe("evaluate", "--run", str(tmp_path), "--model", "baseline:majority")
    assert result["code"] == 2 and not result["torch"] and "not a run folder (no benchmarks/, shards/)" in stderr
