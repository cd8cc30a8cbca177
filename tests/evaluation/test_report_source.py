"""The report says where the run's exhibits came from, from the run's own catalogue manifest."""

from __future__ import annotations

import json
from pathlib import Path

from museumvqa.evaluation.report import write_report
from museumvqa.sample import SAMPLE_SOURCE, met_sample_records


def _report(tmp_path: Path, inputs: list[dict] | None) -> str:
    run = tmp_path / "run"
    (run / "exhibits").mkdir(parents=True)
    if inputs is not None:
        manifest = {"inputs": inputs, "records": 5, "exhibits": 4, "rejects": 1, "people": 0}
        (run / "catalog_manifest.json").write_text(json.dumps(manifest))
    return write_report(run).read_text()


def test_each_input_is_named_with_its_format_and_counts(tmp_path: Path) -> None:
    inputs = [
        {"path": "/data/tate/artworks.jsonl", "adapter": "tate", "exhibits": 3, "rejects": 1},
        {"path": str(met_sample_records()), "adapter": "met-api", "exhibits": 1, "rejects": 0},
    ]
    report = _report(tmp_path, inputs)
    assert "- Source: artworks.jsonl, read as tate: 3 exhibits, 1 rejects.\n" in report
    assert (
        f"- Source: objects.json, read as met-api: 1 exhibits, 0 rejects; the built-in sample: {SAMPLE_SOURCE}"
        in report
    )


def test_a_run_without_a_catalogue_manifest_does_not_claim_the_sample(tmp_path: Path) -> None:
    report = _report(tmp_path, None)
    assert "- Source: not recorded" in report and "Metropolitan" not in report
