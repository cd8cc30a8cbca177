"""Ingest with its inputs read as Ray tasks or in processes writes, byte for byte, the files of the in-process run:
first-record-wins across inputs, parts, rejects, people and manifest; a bad input stays one line naming it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from catalog_helpers import FIXTURES
from typer.testing import CliRunner

from museumvqa.catalog.adapters import make_adapter
from museumvqa.catalog.ingest import ALLOW_REJECTS, Source, ingest
from museumvqa.cli import app
from museumvqa.errors import UserError

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def inputs(tmp_path: Path, sample_dir: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Four formats; the Met CSV repeats two sample ids and a relative copy of a LIDO file repeats all of it,
    so first-record-wins decides across inputs (the copy relative: a piece reads it where the driver would)."""
    monkeypatch.chdir(tmp_path)
    shutil.copyfile(FIXTURES / "lido_1_1_single.xml", tmp_path / "again.xml")
    return [
        sample_dir / "objects.json",
        FIXTURES / "met_objects.csv",
        FIXTURES / "lido_1_0_wrap.xml",
        FIXTURES / "lido_1_1_single.xml",
        Path("again.xml"),
    ]


def _run(inputs: list[Path], out: Path, **parallel: object) -> dict[str, bytes]:
    ingest(inputs, out, rows_per_part=50, progress=False, guard=ALLOW_REJECTS, **parallel)
    return files_of(out)


def test_ray_and_process_pieces_write_the_in_process_files(local_ray, tmp_path: Path, inputs: list[Path]) -> None:
    alone = _run(inputs, tmp_path / "alone")
    assert sorted(alone) == [
        "catalog_manifest.json",
        *(f"exhibits/part-0000{i}.parquet" for i in range(4)),
        "people/part-00000.parquet",
        "rejects/part-00000.parquet",
    ]
    reasons = pq.read_table(tmp_path / "alone" / "rejects").column("reason").to_pylist()
    assert sum(r.startswith("duplicate exhibit_id") for r in reasons) == 3  # two Met ids, the LIDO copy's one
    assert any("(first at " + str(FIXTURES / "lido_1_1_single.xml") in r for r in reasons)

    assert _run(inputs, tmp_path / "ray1", ray=True, workers=1) == alone
    assert _run(inputs, tmp_path / "ray2", ray=True, workers=2) == alone
    assert _run(inputs, tmp_path / "processes", workers=2) == alone


def test_an_input_error_in_a_ray_task_is_one_line_naming_file_and_record(local_ray, tmp_path: Path) -> None:
    bad = tmp_path / "objects.json"
    bad.write_text('[{"objectID": 1, "accessionNumber": "A.1", "title": "A"},\n{"objectID": 2, oops}]\n')
    sources = [Source(FIXTURES / "lido_1_1_single.xml"), Source(bad, make_adapter("met-api"))]
    with pytest.raises(UserError, match=rf"^{bad}: not valid JSON \(record 1: "):
        ingest(sources, tmp_path / "out", progress=False, ray=True, workers=2)
    assert not (tmp_path / "out" / "exhibits").exists()


def test_cli_ingest_with_ray_and_two_workers(local_ray, tmp_path: Path, inputs: list[Path]) -> None:
    runner = CliRunner()
    args = ["ingest", *map(str, inputs), "--allow-rejects", "--quiet", "--out"]
    alone = runner.invoke(app, [*args, "alone"])
    on_ray = runner.invoke(app, [*args, "ray", "--ray", "--workers", "2"])
    assert alone.exit_code == on_ray.exit_code == 0, on_ray.output
    assert on_ray.output.replace("-> ray", "-> alone") == alone.output
    assert files_of(tmp_path / "ray") == files_of(tmp_path / "alone")
