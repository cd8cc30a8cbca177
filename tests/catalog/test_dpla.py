"""DPLA MAP adapter on real items (tests/fixtures/real/dpla, see its SOURCE.md).

Values asserted here were read off the fixture files. The bulk export's JSON Lines and the API's
`{"docs": [...]}` answer are built in a temporary folder from the same real items, and say so.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from catalog_helpers import FIXTURES, read_exhibits
from source_audit import audited_run, breaches

from museumvqa.catalog.adapters import ADAPTERS, detect_format
from museumvqa.catalog.adapters.base import RecordRejected
from museumvqa.catalog.adapters.dpla import DplaAdapter
from museumvqa.catalog.ingest import ALLOW_REJECTS, ingest
from museumvqa.catalog.schema import Exhibit
from museumvqa.io import read_parquet_dir

REAL = FIXTURES.parents[1] / "fixtures" / "real" / "dpla"
API, RETCON = REAL / "dpla-api", REAL / "ingestion3-json-retcon"
USC = "4d85a6bd965dde8352c8235c43fe1c44"


def exhibits_of(path: Path) -> list[Exhibit]:
    adapter = DplaAdapter()
    return [adapter.to_exhibit(r) for r in adapter.read(path)]


def values(ex: Exhibit, attribute: str) -> list[tuple[str, str | None]]:
    return [(v.value, v.lang) for v in ex.attributes.get(attribute, [])]


def documents() -> list[dict[str, Any]]:
    """Every real Elasticsearch document of the fixtures (`{"_id", "_source": item}`), in file order."""
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(RETCON.glob("*.json"))]
    listed = json.loads((API / "elasticSearchItemList.json").read_text(encoding="utf-8"))["hits"]["hits"]
    return docs + listed


def test_every_item_accounted_for(tmp_path: Path) -> None:
    stats = ingest([REAL], tmp_path / "run", DplaAdapter(), progress=False, guard=ALLOW_REJECTS)
    assert (stats.records, stats.exhibits, stats.rejects) == (8, 7, 1)
    (reject,) = read_parquet_dir(tmp_path / "run" / "rejects").to_pylist()
    # the search answer's first hit is the item the GET answer (read first, by file name) already gave
    assert reject["source_path"].endswith("elasticSearchItemList.json") and reject["position"] == 0
    assert reject["reason"].startswith(f"duplicate exhibit_id university-of-southern-california-digital-library:{USC}")
    assert {e.museum for e in read_exhibits(tmp_path / "run").values()} == {
        "university-of-southern-california-digital-library", "unt-libraries-special-collections", "trinity-college",
        "university-of-kentucky", "library-of-congress-geography-and-map-division-washington-d-c-20540-4650-usa-dcu",
        "university-of-washington", "maine-state-library",
    }  # fmt: skip


def test_search_answer_items() -> None:
    usc, unt = exhibits_of(API / "elasticSearchItemList.json")
    assert usc.exhibit_id == f"university-of-southern-california-digital-library:{USC}"  # dataProvider {"name"}
    assert values(usc, "title") == [("Children play with hamsters, Saint Vincent Center, Los Angeles, 1996", "en")]
    assert values(usc, "creator") == [("Berndt, Jerry", None)]
    assert (values(usc, "date"), usc.date_begin, usc.date_end) == ([("circa 1996", "en")], 1996, 1996)
    assert values(usc, "object_type") == [("Photographic prints", "en"), ("Photographs", "en")]
    # spatial is where the photograph was taken and what it shows: a subject, not where the print was made
    assert "place" not in usc.attributes and values(usc, "subject")[3:] == [
        ("California", "en"), ("Los Angeles", "en"), ("USA", "en"), ("religious facilities: Saint Vincent Center", "en")
    ]  # fmt: skip
    assert values(usc, "department") == [("Jerry Berndt Collection", "en")]
    assert values(usc, "dimensions") == [("1 photograph : photoprint, b&w", "en")]
    assert usc.rights is not None and usc.rights.startswith("Berndt, Jerry; Private collections")
    assert usc.licence is None and usc.url == "http://doi.org/10.25549/berndt-m584"
    assert [(i.uri, i.role) for i in usc.images] == [
        ("https://thumbnails.calisphere.org/clip/150x150/a13932ec86f46b89140e6bb915ff1913", "primary")
    ]
    assert (unt.date_begin, unt.date_end) == (1970, 1990)  # displayDate "[1970,1990]" only
    assert values(unt, "creator") == [("Williams, Byrd M. (Byrd Moore), IV, 1951", None)]  # no life dates to parse
    assert unt.images[0].uri == "https://texashistory.unt.edu/ark:/67531/metadc946186/small/"  # not the iiifManifest


def test_artstor_creator_note() -> None:
    (ex,) = exhibits_of(RETCON / "artstor.json")
    assert ex.exhibit_id == "trinity-college:997cbfdb65b54b965d1197968d39083f"  # dataProvider as a string
    assert (
        values(ex, "creator") == [("Job, Herbert Keightley", None)]
        and ex.attributes["creator"][0].role == "photographer"
    )
    (job,) = ex.people
    assert (job.role, job.nationality, job.birth_year, job.death_year) == ("photographer", "American", 1864, 1933)
    assert (values(ex, "date"), ex.date_begin) == ([("May 31, 1901 (creation date)", "en")], 1901)  # begin/end null
    assert values(ex, "object_type") == [("Photography", "en"), ("Lantern slide", "en")]
    assert values(ex, "dimensions")[0][0].startswith("Dimensions of image: 6.99 x 7.62 cm")
    assert values(ex, "department") == [("SSDPLATrinity", "en")]  # collection as an object


def test_organisations_contributors_and_rights_statements() -> None:
    (kentucky,) = exhibits_of(RETCON / "kentucky.json")
    assert values(kentucky, "creator") == [("Paducah sun (Paducah, Ky. : 1898)", None)]  # a heading, kept whole
    assert kentucky.licence is None  # the rights text names a URL; it is not a rights statement
    (lc,) = exhibits_of(RETCON / "lc.json")
    assert "creator" not in lc.attributes and [(p.name, p.role) for p in lc.people] == [
        ("O.H. Bailey & Co.", "contributor")
    ]
    assert (values(lc, "date"), lc.date_begin, lc.date_end) == ([("1878", "en")], 1878, 1878)
    # a panoramic map of Newton, Mass., printed in Boston (its description): spatial is the town it draws
    assert len(values(lc, "department")) == 5 and ("newton", "en") in values(lc, "subject")
    assert "place" not in lc.attributes and "place" not in kentucky.attributes  # a newspaper's county, likewise
    (maine,) = exhibits_of(RETCON / "maine.json")
    assert maine.licence == "http://rightsstatements.org/vocab/NoC-US/1.0/" and maine.rights is None
    assert maine.url == "http://digitalmaine.com/spo_docs/67" and maine.images == []  # no object at all
    assert values(maine, "creator") == [("Maine State Planning Office", None)]
    (washington,) = exhibits_of(RETCON / "washington.json")
    # format: two object types and a digitisation note, which is not one
    assert values(washington, "object_type") == [("image", "en"), ("photograph", "en")]
    assert "creator" not in washington.attributes and washington.rights == "All rights reserved."


def test_bulk_json_lines_and_api_docs(tmp_path: Path) -> None:
    """Derived: the real ES documents one per line (the bulk export) and their items as an API answer."""
    docs = documents()
    bulk = tmp_path / "export.jsonl"
    bulk.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    answer = tmp_path / "items.json"
    answer.write_text(json.dumps({"count": len(docs), "start": 0, "limit": 10, "docs": [d["_source"] for d in docs]}))
    for path in (bulk, answer):
        assert detect_format(path) == "dpla"
        ids = [e.exhibit_id.split(":")[1] for e in exhibits_of(path)]
        assert len(ids) == 7 and ids[-2:] == [USC, "c340ca5de0e46b0538213c65c650c8c6"]


def test_not_an_item(tmp_path: Path) -> None:
    """Derived: an Elasticsearch GET answer for an id that is not there has no item."""
    missing = tmp_path / "missing.json"
    missing.write_text(json.dumps({"_index": "dpla", "_id": "x", "found": False, "sourceResource": None}))
    (record,) = list(DplaAdapter().read(missing))
    with pytest.raises(RecordRejected) as rejected:
        DplaAdapter().to_exhibit(record)
    assert rejected.value.field == "sourceResource"


@pytest.mark.parametrize("path", [REAL, API, RETCON, *sorted(REAL.rglob("*.json"))], ids=lambda p: p.name)
def test_detected_as_dpla_only(path: Path) -> None:
    assert [name for name, cls in ADAPTERS.items() if cls.detect(path)] == ["dpla"]


def test_no_other_fixture_is_claimed() -> None:
    others = [p for p in FIXTURES.parents[1].joinpath("fixtures").rglob("*")
              if p.is_file() and REAL not in p.parents and p.suffix in (".json", ".jsonl", ".ndjson")]  # fmt: skip
    assert others and [p for p in others if DplaAdapter.detect(p)] == []


def test_questions_from_the_records_pass_the_audit(tmp_path: Path) -> None:
    # the duplicate GET answer stays out: one duplicate of eight records is over ingest's 5% guard
    report, counts = audited_run([RETCON, API / "elasticSearchItemList.json"], tmp_path / "run")
    assert report.pairs > 150 and counts["creator"] > 0 and counts["nationality"] > 0
    assert breaches(report) == []
    assert counts.get("culture", 0) == 0  # no DPLA field says where an object was made: never asked
