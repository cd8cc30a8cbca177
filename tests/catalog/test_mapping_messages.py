"""A mapping mistake is named for what it is: an unknown people key, a wrong format, a misspelt id."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from museumvqa.cli import app

RECORDS = '{"objectId": "1", "title": "A", "date": "1900"}\n{"objectId": "2", "title": "B", "date": "1901"}\n'


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        (
            "museum: t\nid: objectId\nfields: {title: title}\npeople:\n  each: makers[]\n  name: name\n  bogus: x\n",
            "unknown people keys bogus; known: each, makers, name",
        ),
        (
            "museum: t\nid: objectId\nformat: csv\nfields: {title: title, date: date}\n",
            "the id path 'objectId' matched none of the 1 records (read as csv, as the mapping's 'format' says, "
            "but the files are .jsonl)",
        ),
        (
            "museum: t\nid: objectIdd\nfields: {title: title, date: date}\n",
            "the id path 'objectIdd' matched none of the 2 records; fix 'id' (or 'format')",
        ),
    ],
)
def test_mapping_mistakes_are_named(tmp_path: Path, mapping: str, message: str) -> None:
    (tmp_path / "r.jsonl").write_text(RECORDS)
    (tmp_path / "m.yaml").write_text(mapping)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["ingest", str(tmp_path / "r.jsonl"), "--out", str(out), "--mapping", str(tmp_path / "m.yaml"), "--quiet"]
    )
    assert result.exit_code == 2 and message in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and "title: title" not in result.stderr
    assert not (out / "exhibits").exists() or not any((out / "exhibits").iterdir())


def test_a_mapping_folder_says_the_mapping_applies_to_every_input(tmp_path: Path) -> None:
    (tmp_path / "r.jsonl").write_text(RECORDS)
    result = CliRunner().invoke(
        app, ["ingest", str(tmp_path / "r.jsonl"), "--out", str(tmp_path / "out"), "--mapping", str(tmp_path)]
    )
    assert result.exit_code == 2 and "is a folder; give the mapping YAML file" in result.stderr
