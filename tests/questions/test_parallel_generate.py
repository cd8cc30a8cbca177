"""Questions generated a part file per Ray task (or process) write, byte for byte, what the in-process run
writes, the constant categories included: the driver replays each piece's answers in part order."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from museumvqa.catalog.ingest import ingest
from museumvqa.cli import app
from museumvqa.questions import generate
from museumvqa.questions.audit import audit_run, write_audit
from museumvqa.questions.generate import _Answers, _Concentration, generate_questions

LANGUAGES = ["en", "fr", "de", "es", "it", "nl", "sv"]


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_replaying_pieces_counts_what_one_pass_counts() -> None:
    """The summary depends on order: replayed piece by piece it must equal the one-pass summary exactly."""
    rng = random.Random(7)
    for vocabulary in (5, 70, 500):  # plain sums only, both ways, evictions throughout
        stream = [f"a{min(rng.randrange(vocabulary), rng.randrange(vocabulary))}" for _ in range(3000)]
        one_pass, replayed = _Concentration(), _Concentration()
        for answer in stream:
            one_pass.add(answer)
        for start in range(0, len(stream), 700):
            piece = _Answers()
            for answer in stream[start : start + 700]:
                piece.add(answer)
            replayed.replay(piece)
        assert (replayed.total, replayed.counts) == (one_pass.total, one_pass.counts)


@pytest.fixture(scope="module")
def parted_run(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Path:
    """The Met sample in five exhibit parts: five pieces."""
    run = tmp_path_factory.mktemp("parted_run")
    ingest([sample_dir / "objects.json"], run, rows_per_part=40, progress=False)
    return run


def _questions(run: Path, out: Path, **parallel: object) -> dict[str, bytes]:
    """questions/ of a copy of `run` (its exhibits linked), audited as `questions audit` does; the audit's
    one run-specific field, the run's folder, written as RUN."""
    out.mkdir(parents=True)
    (out / "exhibits").symlink_to(run / "exhibits")
    generate_questions(out / "exhibits", out / "questions", LANGUAGES, max_per_category=2, progress=False, **parallel)
    write_audit(audit_run(out), out / "questions")
    return {name: data.replace(bytes(out), b"RUN") for name, data in files_of(out / "questions").items()}


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_ray_and_process_pieces_write_the_in_process_files(
    local_ray, parted_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(generate, "_ROWS_PER_BATCH", 5000)  # several row groups, batches across pieces
    alone = _questions(parted_run, tmp_path / "alone")
    assert sorted(alone) == ["audit.json", "audit.md", "manifest.json", "qa.parquet"]
    assert b'"dropped_constant": [\n    {' in alone["manifest.json"]  # the Met sample's constant role is dropped

    assert _questions(parted_run, tmp_path / "ray1", ray=True, workers=1) == alone
    assert _questions(parted_run, tmp_path / "ray2", ray=True, workers=2) == alone
    assert _questions(parted_run, tmp_path / "processes", workers=2) == alone


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_cli_questions_build_with_ray_and_two_workers(local_ray, parted_run: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["questions", "build", "--exhibits", str(parted_run / "exhibits"), "--languages", "en,fr", "--quiet"]
    alone = runner.invoke(app, [*args, "--out", str(tmp_path / "alone")])
    on_ray = runner.invoke(app, [*args, "--out", str(tmp_path / "ray"), "--ray", "--workers", "2"])
    assert alone.exit_code == on_ray.exit_code == 0, on_ray.output
    assert on_ray.output.replace(str(tmp_path / "ray"), "OUT") == alone.output.replace(str(tmp_path / "alone"), "OUT")
    assert files_of(tmp_path / "ray") == files_of(tmp_path / "alone")
