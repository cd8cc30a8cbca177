"""Runs that combine catalogues (per-input formats and mappings, --append, --museum) and refuse to lose records."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from catalog_helpers import read_exhibits

from museumvqa.catalog.adapters.met_api import MetApiAdapter
from museumvqa.catalog.ingest import RejectGuard, Source, ingest
from museumvqa.catalog.schema import slug
from museumvqa.catalog.sources import parse_source
from museumvqa.errors import UserError
from museumvqa.io import read_parquet_dir


def museumvqa(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from museumvqa.cli import main; main()", *args], capture_output=True, text=True, timeout=300
    )


@pytest.fixture()
def met_jsonl(tmp_path: Path, met_records: list[dict]) -> Path:
    """The real Met sample records as JSON Lines (a generic file a mapping reads)."""
    path = tmp_path / "met.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in met_records[:40]), encoding="utf-8")
    return path


def _mapping(tmp_path: Path, id_path: str, museum: str = "met-mapped") -> Path:
    path = tmp_path / f"{museum}-{id_path}.yaml"
    path.write_text(
        f"museum: {museum}\nformat: jsonl\nid: {id_path}\n"
        "fields:\n  title: title\n  creator: artistDisplayName\n  medium: medium\n"
        "people:\n  each: constituents[]\n  name: name\n  role: role\n",
        encoding="utf-8",
    )
    return path


def test_source_specs_name_format_or_mapping_per_input(tmp_path: Path, met_jsonl: Path) -> None:
    mapping = _mapping(tmp_path, "accessionNumber")
    assert parse_source(f"{met_jsonl}:{mapping}").adapter.name == "mapping"
    assert parse_source(f"{met_jsonl}:met-api").adapter.name == "met-api"
    assert parse_source(str(met_jsonl)).adapter is None  # detected when read
    assert parse_source(str(met_jsonl), mapping=mapping).adapter.name == "mapping"  # the global option
    with pytest.raises(UserError, match="is a folder; give the mapping YAML file"):
        parse_source(str(met_jsonl), mapping=tmp_path)


def test_one_run_combines_a_mapped_museum_with_detected_formats(
    tmp_path: Path, met_jsonl: Path, sample_dir: Path, tate_dir: Path
) -> None:
    out = tmp_path / "run"
    mapping = _mapping(tmp_path, "accessionNumber")
    result = museumvqa(
        "ingest", str(sample_dir / "objects.json"), f"{tate_dir / 'artworks.jsonl'}:tate", f"{met_jsonl}:{mapping}",
        "--out", str(out), "--quiet",
    )
    assert result.returncode == 0, result.stderr
    assert "3214 records = 3214 exhibits + 0 rejects (ok)" in result.stdout
    museums = {e.museum for e in read_exhibits(out).values()}
    assert museums == {"met", "tate", "met-mapped"}
    manifest = json.loads((out / "catalog_manifest.json").read_text())
    assert [i["adapter"] for i in manifest["inputs"]] == ["met-api", "tate", "mapping"]


@pytest.mark.slow
def test_a_second_ingest_needs_append_and_keeps_the_first(tmp_path: Path, met_jsonl: Path, sample_dir: Path) -> None:
    out = tmp_path / "run"
    assert museumvqa("ingest", str(sample_dir / "objects.json"), "--out", str(out), "--quiet").returncode == 0
    refused = museumvqa("ingest", f"{met_jsonl}:{_mapping(tmp_path, 'accessionNumber')}", "--out", str(out))
    assert refused.returncode == 2 and "already holds an ingested catalogue; pass --append" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    appended = museumvqa(
        "ingest", f"{met_jsonl}:{_mapping(tmp_path, 'accessionNumber')}", "--out", str(out), "--append", "--quiet"
    )
    assert appended.returncode == 0, appended.stderr
    assert "214 records = 214 exhibits + 0 rejects (ok)" in appended.stdout
    again = museumvqa("ingest", str(sample_dir / "objects.json"), "--out", str(out), "--append", "--quiet")
    assert "174 rejects" in again.stdout or again.returncode != 0  # the same records again are duplicates
    exhibits = read_exhibits(out)
    assert sum(e.museum == "met" for e in exhibits.values()) == 174
    assert sum(e.museum == "met-mapped" for e in exhibits.values()) == 40
    people = read_parquet_dir(out / "people").to_pylist()
    assert {p["museum"] for p in people} == {"met", "met-mapped"}


def test_appending_the_same_records_rejects_them_as_duplicates_of_the_first(tmp_path: Path, sample_dir: Path) -> None:
    out = tmp_path / "run"
    ingest([sample_dir / "objects.json"], out, MetApiAdapter(), progress=False)
    stats = ingest(
        [sample_dir / "objects.json"], out, MetApiAdapter(), progress=False, mode="append",
        guard=RejectGuard(allow=True),
    )
    assert (stats.records, stats.exhibits, stats.rejects) == (348, 174, 174)
    rejects = read_parquet_dir(out / "rejects").to_pylist()
    assert all(r["reason"].startswith("duplicate exhibit_id met:") and "objects.json#" in r["reason"] for r in rejects)


def test_a_file_mostly_rejected_fails_and_writes_nothing(tmp_path: Path, met_jsonl: Path) -> None:
    """A mapping whose id is the object name makes 31 of 40 real records duplicates: never an 'ok' run."""
    out = tmp_path / "run"
    bad = _mapping(tmp_path, "objectName")
    result = museumvqa("ingest", f"{met_jsonl}:{bad}", "--out", str(out), "--quiet")
    assert result.returncode == 2
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert "31 of 40 records (78%) rejected for one reason: exhibit_id" in message
    assert "duplicate exhibit_id met-mapped:" in message and "--allow-rejects" in message
    assert not out.exists() or sorted(p.name for p in out.iterdir()) == []  # no parts, no temp folders
    kept = museumvqa("ingest", f"{met_jsonl}:{bad}", "--out", str(out), "--allow-rejects", "--quiet")
    assert kept.returncode == 0 and "40 records = 9 exhibits + 31 rejects (ok)" in kept.stdout


def test_museum_override_renames_every_format(tmp_path: Path, sample_dir: Path) -> None:
    out = tmp_path / "run"
    ingest([Source(sample_dir / "objects.json", MetApiAdapter(), "Metropolitan")], out, progress=False)
    ids = list(read_exhibits(out))
    assert len(ids) == 174 and all(i.startswith("Metropolitan:") for i in ids)
    assert "Metropolitan:14.76.6" in ids  # the accession number after the new museum name


def test_out_that_is_a_file_is_a_one_line_error(tmp_path: Path, sample_dir: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("x")
    result = museumvqa("ingest", str(sample_dir / "objects.json"), "--out", str(target))
    assert result.returncode == 2 and "is a file, not a folder" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_slugs_transliterate_instead_of_dropping_letters() -> None:
    assert slug("Gåva 1933") == "gava-1933"
    assert slug("Ateneumin taidemuseo / Kansallisgalleria") == "ateneumin-taidemuseo-kansallisgalleria"
    assert slug("Nationalmuseum Øst") == "nationalmuseum-ost"
    assert slug("Staatliche Kunstsammlungen Dresden, Gemäldegalerie") == "staatliche-kunstsammlungen-dresden-gemaldegalerie"
    assert slug("  ") is None
