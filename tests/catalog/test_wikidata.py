"""Wikidata SPARQL results and entity JSON, on HAND-WRITTEN inputs in the two formats' documented shapes.

No real Wikidata export of artworks (entity JSON or saved SPARQL results) was found with the look-up
tools; tests/catalog/fixtures/README.md lists what was searched. So `wikidata_sparql.json` and
`wikidata_entities/` are hand-written (SPARQL 1.1 Query Results JSON as the Wikidata Query Service
writes it; Wikibase entity JSON), with example items (ids Q9000001xx) and real ids only for well-known
classes and units (painting, human, cm). Shapes that real painting items have and the examples lack
(an "anonymous" creator with a "workshop of" qualifier, circa and range dates) are built inline below
from how the Sum of all paintings bots write them (multichill/toollabs `artdatabot.py`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from catalog_helpers import FIXTURES, read_exhibits
from source_audit import audited_run, breaches

from museumvqa.catalog.adapters import ADAPTERS, detect_format
from museumvqa.catalog.adapters.wikidata import ANONYMOUS, WikidataAdapter, commons_url, qid
from museumvqa.catalog.ingest import ingest
from museumvqa.catalog.schema import Exhibit
from museumvqa.errors import UserError

SPARQL = FIXTURES / "wikidata_sparql.json"
ENTITIES = FIXTURES / "wikidata_entities"
ENTITY = "http://www.wikidata.org/entity/"


@pytest.fixture(scope="module")
def sparql_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Exhibit]:
    out = tmp_path_factory.mktemp("wikidata_sparql")
    stats = ingest([SPARQL], out, progress=False)
    assert (stats.records, stats.exhibits, stats.rejects) == (3, 3, 0)  # 5 rows, 3 items
    return read_exhibits(out)


@pytest.fixture(scope="module")
def entity_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Exhibit]:
    out = tmp_path_factory.mktemp("wikidata_entities")
    stats = ingest([ENTITIES], out, progress=False)
    assert (stats.records, stats.exhibits, stats.rejects) == (2, 2, 0)  # people, materials, places: not records
    return read_exhibits(out)


def test_sparql_rows_are_grouped_per_item(sparql_run: dict[str, Exhibit]) -> None:
    assert set(sparql_run) == {"example-museum:EX-1", "example-museum:EX-2", "example-museum:Q900000103"}
    ex = sparql_run["example-museum:EX-1"]  # two rows (two materials), not adjacent in the result
    assert [(v.value, v.uri) for v in ex.attributes["medium"]] == [
        ("oil paint", ENTITY + "Q900000401"), ("canvas", ENTITY + "Q900000402"),
    ]
    assert [(v.value, v.lang) for v in ex.attributes["title"]] == [("Winter Landscape with Skaters", "en")]
    assert [(p.name, p.person_id) for p in ex.people] == [("Anna Example", ENTITY + "Q900000201")]
    assert (ex.values("date"), ex.date_begin, ex.licence) == (["1650"], 1650, "CC0-1.0")
    assert [(v.value, v.uri) for v in ex.attributes["object_type"]] == [("painting", ENTITY + "Q3305213")]
    assert [(v.value, v.uri) for v in ex.attributes["creator"]] == [("Anna Example", ENTITY + "Q900000201")]
    assert ex.values("classification") == ["landscape art"] and ex.values("place") == ["Netherlands"]
    assert [i.uri for i in ex.images] == ["http://commons.wikimedia.org/wiki/Special:FilePath/Example%20winter%20landscape.jpg"]
    assert ex.url == "https://www.wikidata.org/wiki/Q900000101"


def test_sparql_label_fallbacks_and_unknown_creators(sparql_run: dict[str, Exhibit]) -> None:
    ex = sparql_run["example-museum:EX-2"]
    assert "title" not in ex.attributes  # the label service answered the id itself
    assert ex.values("creator") == [] and ex.people == []  # "unknown value" is a blank node
    assert [(v.value, v.lang) for v in ex.attributes["medium"]] == [("Q900000499", None)]  # no label: the id
    assert "inventory" not in sparql_run["example-museum:Q900000103"].attributes  # no P217: the item id instead


def test_entity_labels_in_every_language_and_claims(entity_run: dict[str, Exhibit]) -> None:
    ex = entity_run["example-museum:EX-1"]  # P217 of the current collection, not "OLD-7" of the former one
    assert [(v.value, v.lang) for v in ex.attributes["title"]] == [
        ("Winter Landscape with Skaters", "en"), ("Paysage d'hiver avec patineurs", "fr"),
        ("Winterlandschaft mit Eisläufern", "de"), ("Winterlandschap met schaatsers", "nl"),
        ("Vinterlandskap med skridskoåkare", "sv"),
    ]
    assert ex.values("medium", lang="de") == ["Ölfarbe", "Leinwand"] and ex.values("object_type", lang="sv") == ["målning"]
    assert {v.uri for v in ex.attributes["medium"]} == {ENTITY + "Q900000401", ENTITY + "Q900000402"}
    assert ex.values("creator") == ["Anna Example", "Attributed to Example Workshop"]  # P5102 attribution
    assert ex.values("dimensions") == ["45.5 × 60 cm"] and (ex.values("date"), ex.date_begin) == (["1650"], 1650)
    assert [i.uri for i in ex.images] == [
        commons_url("Example winter landscape.jpg"), commons_url("Example winter landscape verso.jpg"),
    ]
    assert [i.role for i in ex.images] == ["primary", "additional"]


def test_referenced_entities_give_the_people_their_facts(entity_run: dict[str, Exhibit]) -> None:
    anna, workshop = entity_run["example-museum:EX-1"].people
    assert (anna.birth_year, anna.death_year, anna.birth_place, anna.nationality, anna.kind) == (
        1610, 1670, "Haarlem", "Dutch", "person",  # the country's demonym (P1549), not its name
    )
    assert (workshop.kind, workshop.qualifier) == ("organisation", "Attributed to")


def test_century_precision_unknown_creator_and_unlabelled_material(entity_run: dict[str, Exhibit]) -> None:
    ex = entity_run["example-museum:EX-2"]
    assert (ex.values("date"), ex.date_begin, ex.date_end) == (["17th century"], 1601, 1700)
    assert ex.values("creator") == [] and ex.values("title", lang="nl") == ["Stilleven met citroen"]
    assert [(v.value, v.lang) for v in ex.attributes["medium"]] == [("Q900000499", None)]


def test_ids_are_uris_and_role_is_only_a_creators(sparql_run: dict[str, Exhibit], entity_run: dict[str, Exhibit]) -> None:
    """Every controlled value carries its Wikidata id in `uri`; `role` stays None but for creators."""
    for ex in [*sparql_run.values(), *entity_run.values()]:
        for name, values in ex.attributes.items():
            if name != "creator":
                assert {v.role for v in values} == {None}, (ex.exhibit_id, name)
            if name in ("medium", "object_type"):
                assert all(v.uri and v.uri.startswith(ENTITY) for v in values), (ex.exhibit_id, name)


def _item(ident: str) -> dict:
    return {"value": {"entity-type": "item", "numeric-id": int(ident[1:]), "id": ident}, "type": "wikibase-entityid"}


def _time(time: str, precision: int) -> dict:
    return {"value": {"time": time, "precision": precision, "calendarmodel": ENTITY + "Q1985727"}, "type": "time"}


def _qualifier(prop: str, datavalue: dict) -> dict:
    return {"snaktype": "value", "property": prop, "datavalue": datavalue}


def _statement(prop: str, datavalue: dict | None, **qualifiers: list[dict]) -> dict:
    """A statement; no datavalue is "unknown value" (somevalue)."""
    snak = {"snaktype": "somevalue", "property": prop} if datavalue is None else {
        "snaktype": "value", "property": prop, "datavalue": datavalue}
    return {"mainsnak": snak, "type": "statement", "rank": "normal",
            "qualifiers": {q: [_qualifier(q, v) for v in values] for q, values in qualifiers.items()}}


def _labelled(ident: str, label: str, *kinds: str) -> dict:
    claims = {"P31": [_statement("P31", _item(k)) for k in kinds]} if kinds else {}
    return {"type": "item", "id": ident, "labels": {"en": {"language": "en", "value": label}}, "claims": claims}


def _artwork(ident: str, inventory: str, *creators: dict, inception: dict) -> dict:
    return {"type": "item", "id": ident, "labels": {"en": {"language": "en", "value": f"Example {inventory}"}}, "claims": {
        "P195": [_statement("P195", _item("Q900000001"))],
        "P217": [_statement("P217", {"value": inventory, "type": "string"})],
        "P170": list(creators), "P571": [inception],
    }}


def test_anonymous_creators_related_people_and_qualified_dates(tmp_path: Path) -> None:
    """Shapes of real painting items (as the Sum of all paintings bots write them), built on example ids:
    an "unknown value" creator with role anonymous (P3831 Q4233718) and "workshop of" (P1774) someone; the item
    anonymous as the creator, "after a work by" (P1877) someone; circa (P1480 Q5727902), a range stated as its
    midpoint at millennium precision with earliest/latest (P1319/P1326), and a year before the common era."""
    entities = {
        "Q900000901": _artwork(
            "Q900000901", "EX-9",
            _statement("P170", None, P3831=[_item(ANONYMOUS)], P1774=[_item("Q900000201")]),
            _statement("P170", _item(ANONYMOUS), P1877=[_item("Q900000202")]),
            inception=_statement("P571", _time("+1650-00-00T00:00:00Z", 9), P1480=[_item("Q5727902")]),
        ),
        "Q900000902": _artwork(
            "Q900000902", "EX-10", _statement("P170", _item(ANONYMOUS)),
            inception=_statement("P571", _time("+1700-00-00T00:00:00Z", 6),
                                 P1319=[_time("+1601-00-00T00:00:00Z", 9)], P1326=[_time("+1800-00-00T00:00:00Z", 9)]),
        ),
        "Q900000903": _artwork("Q900000903", "EX-11", inception=_statement("P571", _time("-0500-00-00T00:00:00Z", 9))),
        "Q900000201": _labelled("Q900000201", "Anna Example", "Q5"),
        "Q900000202": _labelled("Q900000202", "Example Workshop", "Q4830453"),
        ANONYMOUS: _labelled(ANONYMOUS, "anonymous"),
    }
    (tmp_path / "entities.json").write_text(json.dumps({"entities": entities}), encoding="utf-8")
    adapter = WikidataAdapter()
    found = {r.record_id: adapter.to_exhibit(r) for r in adapter.read(tmp_path / "entities.json")}
    workshop = found["Q900000901"]
    assert [(v.value, v.role, v.uri) for v in workshop.attributes["creator"]] == [
        ("Workshop of Anna Example", None, ENTITY + "Q900000201"), ("After Example Workshop", None, ENTITY + "Q900000202"),
    ]
    assert [(p.name, p.qualifier, p.kind) for p in workshop.people] == [
        ("Anna Example", "Workshop of", "person"), ("Example Workshop", "After", "organisation"),
    ]
    assert (workshop.values("date"), workshop.date_begin, workshop.date_end) == (["c. 1650"], 1650, 1650)
    anonymous = found["Q900000902"]
    assert "creator" not in anonymous.attributes and anonymous.people == []
    assert (anonymous.values("date"), anonymous.date_begin, anonymous.date_end) == (["1601–1800"], 1601, 1800)
    ancient = found["Q900000903"]
    assert (ancient.values("date"), ancient.date_begin, ancient.date_end) == (["500 BCE"], -500, -500)


def test_sparql_anonymous_creator_is_no_one(tmp_path: Path) -> None:
    cell = lambda value, kind="uri": {"type": kind, "value": value}  # noqa: E731
    rows = [{"item": cell(ENTITY + "Q900000904"), "creator": cell(ENTITY + ANONYMOUS),
             "creatorLabel": {**cell("anonymous", "literal"), "xml:lang": "en"}}]
    (tmp_path / "q.json").write_text(json.dumps({"head": {"vars": ["item", "creator", "creatorLabel"]},
                                                 "results": {"bindings": rows}}), encoding="utf-8")
    adapter = WikidataAdapter()
    (record,) = adapter.read(tmp_path / "q.json")
    ex = adapter.to_exhibit(record)
    assert "creator" not in ex.attributes and ex.people == []


def test_detection_and_bad_input(tmp_path: Path) -> None:
    for path in (SPARQL, ENTITIES, ENTITIES / "Q900000101.json"):
        assert [name for name, cls in ADAPTERS.items() if cls.detect(path)] == ["wikidata"], path
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"head": {"vars": ["x"]}}))
    with pytest.raises(UserError, match="neither SPARQL results"):
        list(WikidataAdapter().read(other))
    assert detect_format(SPARQL) == "wikidata"


def test_helpers() -> None:
    assert qid("http://www.wikidata.org/entity/Q12418") == "Q12418" and qid("t1520354") is None
    assert commons_url("Mona Lisa, by Leonardo da Vinci.jpg").endswith("/Mona_Lisa%2C_by_Leonardo_da_Vinci.jpg")


@pytest.mark.parametrize("source", [SPARQL, ENTITIES], ids=["sparql", "entities"])
def test_questions_pass_the_audit(source: Path, tmp_path: Path) -> None:
    report, _ = audited_run([source], tmp_path / "run")
    assert report.pairs > 50 and breaches(report) == []
