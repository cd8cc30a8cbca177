"""Smithsonian Open Access EDAN records (tests/fixtures/real/smithsonian, see SOURCE.md) read right.

Every value checked here was read in the records themselves: units as museums, makers (people and
firms) apart from sitters, users and performers, NMAH's '(overall material)' parts, several images,
the API's answer wrapper, a Japanese title, and the dumps' bzip2 JSON Lines.
"""

from __future__ import annotations

import bz2
import json
from pathlib import Path

import pytest
from catalog_helpers import read_exhibits
from source_audit import audited_run, breaches

from museumvqa.catalog.adapters import ADAPTERS, detect_format
from museumvqa.catalog.adapters.smithsonian import SmithsonianAdapter, script_lang, year_range
from museumvqa.catalog.ingest import ALLOW_REJECTS, ingest
from museumvqa.catalog.schema import Exhibit
from museumvqa.io import read_parquet_dir

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real" / "smithsonian"
LINES = REAL / "edan-records.jsonl"
EXHIBIT_IDS = {
    "chndm:1931-66-88", "chndm:1952-76-2", "nasm:A19710896000", "nmaahc:2012.36.4ab", "nmah:MA.316371.019",
    "nmah:2013.0101.13", "nmah:2014.0134.05", "nmah:2014.0134.06", "nmah:2014.0134.07", "ofeo-sg:2012-1080A",
    "sil:siris_sil_1031820", "sil:siris_sil_1107349", "sil:siris_sil_1118592",
}


@pytest.fixture(scope="module")
def edan_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Exhibit]:
    out = tmp_path_factory.mktemp("smithsonian")
    stats = ingest([REAL], out, progress=False)  # the folder, detected
    assert (stats.records, stats.exhibits, stats.rejects) == (13, 13, 0)
    return read_exhibits(out)


def test_every_record_becomes_an_exhibit_of_its_unit(edan_run: dict[str, Exhibit]) -> None:
    assert set(edan_run) == EXHIBIT_IDS
    assert {ex.museum for ex in edan_run.values()} == {"chndm", "nasm", "nmaahc", "nmah", "ofeo-sg", "sil"}
    assert all(ex.source_adapter == "smithsonian" for ex in edan_run.values())


def test_single_record_file_artist_with_biography(edan_run: dict[str, Exhibit]) -> None:
    ex = edan_run["chndm:1931-66-88"]
    assert [(v.value, v.lang) for v in ex.attributes["title"]] == [("Cathedral of Notre Dame in Paris", "en")]
    assert [(v.value, v.role) for v in ex.attributes["creator"]] == [("Charles Nicolas Ransonnette", "Artist")]
    (person,) = ex.people
    assert (person.name, person.birth_year, person.death_year, person.nationality, person.kind) == (
        "Charles Nicolas Ransonnette", 1793, 1877, "French", "person",
    )
    assert ex.values("date") == ["1825–1840"] and (ex.date_begin, ex.date_end) == (1825, 1840)
    assert ex.values("medium") == ["Graphite, black crayon on two pieces of paper pasted together"]
    assert ex.values("object_type") == ["Drawing"] and ex.values("classification") == ["Drawings"]
    assert ex.values("place") == ["France"] and ex.values("credit_line") == ["Gift of Sarah Cooper Hewitt"]
    assert ex.values("description") == ["View from the east transept toward the towers of the façade."]
    assert ex.values("department") == [
        "Cooper Hewitt, Smithsonian Design Museum Collection", "Drawings, Prints, and Graphic Design Department",
    ]
    assert (ex.licence, ex.rights, ex.url) == ("CC0-1.0", "CC0", "http://collection.cooperhewitt.org/view/objects/asitem/id/48147")
    assert [(i.uri, i.role, i.licence) for i in ex.images] == [
        ("http://ids.si.edu/ids/deliveryService?id=CHSDM-E0207E65ACA82-000001", "primary", "CC0-1.0")
    ]


def test_several_images_and_a_manufacturer_firm(edan_run: dict[str, Exhibit]) -> None:
    ex = edan_run["nasm:A19710896000"]
    assert len(ex.images) == 6 and [i.role for i in ex.images] == ["primary"] + ["additional"] * 5
    assert ex.images[2].uri == "http://ids.si.edu/ids/deliveryService?id=NASM-A19710896000-NASM2015-02508"
    assert all(i.licence == "CC0-1.0" for i in ex.images)
    assert [(v.value, v.role) for v in ex.attributes["creator"]] == [("Wright Aeronautical", "Manufacturer")]
    assert [(p.name, p.kind) for p in ex.people] == [("Wright Aeronautical", "organisation")]
    assert ex.values("date") == ["Circa 1933"] and (ex.date_begin, ex.date_end) == (1933, 1933)
    assert ex.values("medium") == ["Steel, Aluminum, Rubber, Textile, Magnesium, Paint, Stainless Steel"]
    assert len(ex.values("dimensions")) == 3 and ex.values("place") == ["United States of America"]


def test_firm_as_maker_and_user_as_linked_person(edan_run: dict[str, Exhibit]) -> None:
    ex = edan_run["nmaahc:2012.36.4ab"]
    assert [(v.value, v.role) for v in ex.attributes["creator"]] == [("Vic Firth Company", "Created by")]
    firm, user = ex.people
    assert (firm.name, firm.kind, firm.nationality, firm.birth_year) == ("Vic Firth Company", "organisation", "American", None)
    assert (user.name, user.role, user.birth_year, user.death_year, user.kind) == ("Art Blakey", "Used by", 1919, 1990, "person")
    assert ex.values("classification") == ["Drumsticks", "Musical Instruments"]  # setName "Classification"
    assert ex.values("culture") == ["African Americans"] and ex.rights == "No Known Copyright Restrictions"
    assert [i.role for i in ex.images] == ["primary", "additional"] and (ex.date_begin, ex.date_end) == (1980, 1989)


def test_api_answer_makers_not_performers_and_plain_description(edan_run: dict[str, Exhibit]) -> None:
    ex = edan_run["nmah:2013.0101.13"]  # bert_puppet_response.json: {"status": 200, "response": {record}}
    assert ex.values("creator") == ["Henson, Jim", "Sahlin, Don"]
    assert [(p.name, p.role) for p in ex.people] == [
        ("Oz, Frank", "Performer"), ("Jacobson, Eric", "Performer"), ("Henson, Jim", "Maker"), ("Sahlin, Don", "Maker"),
    ]
    assert ex.values("medium") == ["foam", "felt", "plastic", "fabric"]  # "(overall material)" parts
    assert "<i>" not in ex.values("description")[0] and "part of Sesame Street since" in ex.values("description")[0]
    assert ex.values("department") == ["Culture and the Arts: Entertainment", "Jim Henson"]  # not the exhibition
    assert ex.images == [] and ex.licence == "CC0-1.0"


def test_object_number_over_accession_lot_and_publisher_firm(edan_run: dict[str, Exhibit]) -> None:
    ex = edan_run["nmah:MA.316371.019"]  # "ID Number" MA.316371.019, not the lot "accession number" 316371
    assert [(v.value, v.role) for v in ex.attributes["creator"]] == [
        ("Haines, Thomas H.", "Maker"), ("C. H. Stoelting Company", "Publisher"),
    ]
    assert [p.kind for p in ex.people] == [None, "organisation"]
    assert ex.values("medium") == ["paper"] and "date" not in ex.attributes


def test_places_people_only_referenced_and_missing_fields(edan_run: dict[str, Exhibit]) -> None:
    for number in ("05", "06", "07"):  # places "referenced", "purchased", "used": not where the leaflet was made
        ex = edan_run[f"nmah:2014.0134.{number}"]
        assert ex.values("place") == ["United States", "Pennsylvania"]  # indexedStructured instead
        assert ex.values("creator") == [] and [p.role for p in ex.people] == ["Referenced", "Referenced"]
        assert ex.values("medium") == ["paper"] and "brown" not in " ".join(ex.values("medium"))
    orchid = edan_run["ofeo-sg:2012-1080A"]
    assert orchid.licence is None and [i.licence for i in orchid.images] == [None, None]  # no usage stated
    assert orchid.images[0].view == "Photographed by: Creekside Digital" and orchid.people == []
    mask = edan_run["chndm:1952-76-2"]
    assert mask.values("date") == ["possibly 19th century"] and (mask.date_begin, mask.date_end) == (1801, 1900)


def test_library_records_and_a_japanese_title(edan_run: dict[str, Exhibit]) -> None:
    ex = edan_run["sil:siris_sil_1031820"]
    assert [(v.value, v.lang) for v in ex.attributes["title"]][1] == ("文字の力・書のチカラ / [編集財団法人出光美術館]", "ja")
    assert ex.values("title", lang="en")[0] == "Moji no chikara, sho no chikara [henshū Zaidan hōjin Idemitsu Bijutsukan]"
    book = edan_run["sil:siris_sil_1107349"]
    assert book.values("creator") == ["Ekhtiar, Maryam"]  # the issuing body and the subject are not authors
    assert [p.role for p in book.people] == ["Author", "Issuing body", "Subject"]


def test_bz2_dump_streams_the_same_records(tmp_path: Path) -> None:
    dump = tmp_path / "NMAH" / "00.txt.bz2"
    dump.parent.mkdir()
    dump.write_bytes(bz2.compress(LINES.read_bytes()))
    for path in (dump, dump.parent):  # the package's formats (a test-only toy format reads files as text)
        assert [n for n, c in ADAPTERS.items() if c.__module__.startswith("museumvqa.") and c.detect(path)] == ["smithsonian"]
    ingest([dump], tmp_path / "bz2", SmithsonianAdapter(), progress=False)
    ingest([LINES], tmp_path / "plain", progress=False)
    packed, plain = read_exhibits(tmp_path / "bz2"), read_exhibits(tmp_path / "plain")
    assert len(packed) == 11 and {k: v.attributes for k, v in packed.items()} == {k: v.attributes for k, v in plain.items()}
    assert packed["nasm:A19710896000"].source_path.endswith("00.txt.bz2#0")


def test_broken_lines_and_non_edan_records_are_rejected_with_reasons(tmp_path: Path) -> None:
    lines = LINES.read_text(encoding="utf-8").splitlines()
    broken = [lines[0], lines[1][:200], json.dumps({"id": "x", "content": {}}), lines[2]]
    dump = tmp_path / "01.txt.bz2"
    dump.write_bytes(bz2.compress(("\n".join(broken) + "\n").encode()))
    stats = ingest([dump], tmp_path / "run", SmithsonianAdapter(), progress=False, guard=ALLOW_REJECTS)
    assert (stats.records, stats.exhibits, stats.rejects) == (4, 2, 2)
    rejects = read_parquet_dir(tmp_path / "run" / "rejects").to_pylist()
    assert [(r["position"], r["field"]) for r in rejects] == [(1, None), (2, "descriptiveNonRepeating")]
    assert rejects[0]["reason"].startswith("not valid JSON")


def test_api_search_rows_are_records(tmp_path: Path) -> None:
    rows = [json.loads(line) for line in LINES.read_text(encoding="utf-8").splitlines()[1:3]]
    answer = tmp_path / "search.json"
    answer.write_text(json.dumps({"status": 200, "responseCode": 1, "response": {"rows": rows, "rowCount": 2}}))
    records = list(SmithsonianAdapter().read(answer))
    assert [r.record_id for r in records] == ["nmaahc_2012.36.4ab", "nmah_694280"] and detect_format(answer) == "smithsonian"


def test_no_other_format_claims_the_files() -> None:
    for path in (REAL, LINES, REAL / "chndm_1931-66-88.json", REAL / "bert_puppet_response.json"):
        assert [name for name, cls in ADAPTERS.items() if cls.detect(path)] == ["smithsonian"], path


def test_helpers() -> None:
    assert year_range("ca. 1880-1890") == (1880, 1890) and year_range("1980s") == (1980, 1989)
    assert year_range("possibly 19th century") == (1801, 1900) and year_range("undated") == (None, None)
    assert [script_lang(t) for t in ("Drawing", "henshū", "文字の力", "Калигр")] == ["en", "en", "ja", "und"]


def test_questions_from_the_records_pass_the_audit(tmp_path: Path) -> None:
    report, counts = audited_run([REAL], tmp_path / "run")
    assert report.pairs > 300 and counts["creator"] > 0 and counts["nationality"] > 0
    assert breaches(report) == []
