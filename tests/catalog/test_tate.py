"""The real Tate sample (CC0): JSON Lines and the repository's one-file-per-record layout."""

from __future__ import annotations

import json
from pathlib import Path

from catalog_helpers import read_exhibits

from museumvqa.catalog.adapters.tate import TateAdapter
from museumvqa.catalog.ingest import ALLOW_REJECTS, ingest
from museumvqa.io import read_parquet_dir


def _artworks(tate_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (tate_dir / "artworks.jsonl").read_text().splitlines()]


def test_sample_ingests_at_least_99_percent(tate_catalog_run: Path) -> None:
    manifest = json.loads((tate_catalog_run / "catalog_manifest.json").read_text())
    assert manifest["records"] == 3000
    assert manifest["exhibits"] >= 2970 and manifest["exhibits"] + manifest["rejects"] == 3000
    assert manifest["inputs"][0]["adapter"] == "tate"


def test_foreign_titles_are_non_english_values(tate_catalog_run: Path, tate_dir: Path) -> None:
    exhibits = read_exhibits(tate_catalog_run)
    foreign = [w for w in _artworks(tate_dir) if w.get("foreignTitle")]
    assert len(foreign) == 673
    for work in foreign:
        titles = exhibits[f"tate:{work['acno']}"].attributes["title"]
        assert (titles[0].value, titles[0].lang) == (" ".join(work["title"].split()), "en")
        assert any(t.lang != "en" and t.value == " ".join(work["foreignTitle"].split()) for t in titles)


def test_view_labels_kept_with_absolute_urls(tate_catalog_run: Path, tate_dir: Path) -> None:
    exhibits = read_exhibits(tate_catalog_run)
    work = next(w for w in _artworks(tate_dir) if w["acno"] == "A00044")
    ex = exhibits["tate:A00044"]
    assert ex.images[0].role == "primary" and ex.images[0].uri == work["thumbnailUrl"]
    assert ex.images[1].role == "verso" and ex.images[1].view == "Verso"
    assert ex.images[1].uri == "http://www.tate.org.uk/art/images/work/A/A00/A00044_127051_10.jpg"
    labels = {i.view for e in exhibits.values() for i in e.images}
    assert {"Additional view 1", "Verso", "Polyptych"} <= labels
    assert all(i.uri.startswith("http") for e in exhibits.values() for i in e.images)
    multi = sum(1 for e in exhibits.values() if len(e.images) > 1)
    assert multi >= 700  # the sample holds every work with labelled extra views


def test_people_joined_with_birth_places(tate_catalog_run: Path) -> None:
    ex = read_exhibits(tate_catalog_run)["tate:A00044"]
    blake = ex.people[0]
    assert (blake.name, blake.role, blake.person_id) == ("William Blake", "artist", "39")
    assert (blake.birth_year, blake.death_year, blake.birth_place) == (1757, 1827, "London, United Kingdom")
    people = read_parquet_dir(tate_catalog_run / "people").to_pylist()
    assert len(people) == len({p["person_key"] for p in people})
    with_place = [p for p in people if p["birth_place"]]
    assert len(with_place) >= 0.8 * len(people)
    richter = next(p for p in people if p["name"] == "Gerhard Richter")
    assert richter["birth_place"] == "Dresden, Deutschland" and richter["exhibit_count"] >= 1


def test_subject_hierarchy_kept_as_term_and_path(tate_catalog_run: Path) -> None:
    subjects = read_exhibits(tate_catalog_run)["tate:A00044"].attributes["subject"]
    assert any(s.value == "woman" and s.role == "people/adults" for s in subjects)


def test_repository_layout_reads_like_json_lines(tmp_path: Path, tate_dir: Path, tate_catalog_run: Path) -> None:
    """The public repository keeps one JSON file per artwork and per artist; same exhibits either way."""
    works = _artworks(tate_dir)[:40]
    artists = {json.loads(line)["id"]: line for line in (tate_dir / "artists.jsonl").read_text().splitlines()}
    repo = tmp_path / "collection"
    for work in works:
        path = repo / work["_source_path"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(work))
        for contributor in work["contributors"]:
            artist = repo / "artists" / f"{contributor['id']}.json"
            artist.parent.mkdir(parents=True, exist_ok=True)
            artist.write_text(artists[contributor["id"]])
    stats = ingest([repo], tmp_path / "run", TateAdapter(), progress=False, guard=ALLOW_REJECTS)
    assert stats.records == 40 and stats.exhibits == 40
    expected = read_exhibits(tate_catalog_run)
    for exhibit_id, ex in read_exhibits(tmp_path / "run").items():
        assert ex == expected[exhibit_id]


def test_broken_artwork_file_is_a_reject(tmp_path: Path, tate_dir: Path) -> None:
    folder = tmp_path / "artworks" / "a" / "000"
    folder.mkdir(parents=True)
    (folder / "a1.json").write_text(json.dumps(_artworks(tate_dir)[0]))
    (folder / "a2.json").write_text('{"acno": "A1", "title": ')
    (folder / "a3.json").write_text(json.dumps({"title": "no accession number"}))
    stats = ingest([tmp_path], tmp_path / "run", progress=False, guard=ALLOW_REJECTS)
    assert (stats.records, stats.exhibits, stats.rejects) == (3, 1, 2)
    reasons = [r["reason"] for r in read_parquet_dir(tmp_path / "run" / "rejects").to_pylist()]
    assert "cannot read artwork file" in reasons[0] and "acno" in reasons[1]
