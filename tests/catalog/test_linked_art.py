"""Linked Art JSON-LD objects of the Getty and the National Gallery of Art (tests/fixtures/real/linked-art).

Checked against the records: titles and accession numbers by AAT type, makers (a person, a group,
several authors, an unknown illuminator) with roles and Getty's nationality-and-dates statements,
earlier attributions kept apart from makers, statements by AAT type, AAT ids kept beside terms (in `uri`),
IIIF images, and a linked document that is not a record.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from catalog_helpers import read_exhibits
from source_audit import audited_run, breaches

from museumvqa.catalog.adapters import ADAPTERS, detect_format
from museumvqa.catalog.adapters.linked_art import LinkedArtAdapter
from museumvqa.catalog.ingest import ALLOW_REJECTS, ingest
from museumvqa.catalog.schema import Exhibit
from museumvqa.errors import UserError
from museumvqa.io import read_parquet_dir

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real" / "linked-art"
AAT = "http://vocab.getty.edu/aat/"
IRISES = "j-paul-getty-museum:90.PA.20"
EXHIBIT_IDS = {
    "j-paul-getty-museum:2005.69.3", IRISES, "j-paul-getty-museum:86.AE.183", "j-paul-getty-museum:84.GB.48",
    "j-paul-getty-museum:83.MR.171", "national-gallery-of-art:1987.58.6",
}


@pytest.fixture(scope="module")
def la_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Exhibit]:
    out = tmp_path_factory.mktemp("linked_art")
    stats = ingest([REAL], out, progress=False)
    assert (stats.records, stats.exhibits, stats.rejects) == (6, 6, 0)  # the VisualItem document is not a record
    return read_exhibits(out)


def test_every_object_document_is_an_exhibit(la_run: dict[str, Exhibit]) -> None:
    assert set(la_run) == EXHIBIT_IDS


def test_irises_titles_makers_and_statements(la_run: dict[str, Exhibit]) -> None:
    ex = la_run[IRISES]
    assert [(v.value, v.lang) for v in ex.attributes["title"]] == [("Irises", "en")]
    assert [(v.value, v.role) for v in ex.attributes["creator"]] == [("Vincent van Gogh", "Artist")]
    (van_gogh,) = ex.people
    assert ex.attributes["creator"][0].uri == van_gogh.person_id  # "Dutch, 1853 - 1890": the statement beside the reference
    assert (van_gogh.birth_year, van_gogh.death_year, van_gogh.nationality, van_gogh.kind) == (1853, 1890, "Dutch", "person")
    assert van_gogh.person_id == "https://data.getty.edu/museum/collection/person/c3a876a9-5333-40d5-8488-6cc722058f5e"
    assert ex.values("date") == ["1889"] and (ex.date_begin, ex.date_end) == (1889, 1889)
    assert ex.values("dimensions") == ["74.3 × 94.3 cm (29 1/4 × 37 1/8 in.)"]
    assert ex.values("place") == ["Saint-Rémy, France"] and ex.values("department") == ["Paintings"]
    assert ex.values("inscription") == ['Lower right: "Vincent" (underlined)']  # the signature, not the collectors' labels
    assert ex.values("credit_line") == ["The J. Paul Getty Museum, Los Angeles"]
    assert (ex.rights, ex.url) == ("No Copyright - United States", "http://www.getty.edu/art/collection/objects/826/")
    assert [(i.uri, i.role) for i in ex.images] == [
        ("https://media.getty.edu/iiif/image/e5d29650-11f8-4897-9540-54a9dd65b04f/info.json", "primary")
    ]


def test_aat_ids_are_kept_beside_the_terms(la_run: dict[str, Exhibit]) -> None:
    ex = la_run[IRISES]
    assert [(v.value, v.uri) for v in ex.attributes["medium"]] == [
        ("Oil on canvas", None), ("Oil Paint", AAT + "300015050"), ("Canvas", AAT + "300014078"),
    ]
    assert [(v.value, v.uri) for v in ex.attributes["classification"]] == [("Paintings", AAT + "300033618")]
    assert [(v.value, v.uri) for v in ex.attributes["culture"]] == [("Dutch", AAT + "300111175")]  # statement + type
    assert [(v.value, v.uri) for v in ex.attributes["object_type"]] == [("Painting", None)]


def test_role_is_only_a_creators_role(la_run: dict[str, Exhibit]) -> None:
    """Ids live in `uri`: no value but a creator has a `role` (questions read `role` as the maker's role)."""
    for ex in la_run.values():
        for name, values in ex.attributes.items():
            if name != "creator":
                assert {v.role for v in values} == {None}, (ex.exhibit_id, name)
    assert sum(v.uri is not None for ex in la_run.values() for v in ex.attributes.get("medium", [])) >= 4


def test_earlier_attributions_are_people_not_makers(la_run: dict[str, Exhibit]) -> None:
    ex = la_run["j-paul-getty-museum:84.GB.48"]
    assert ex.values("creator") == ["Annibale Carracci"]
    assert [(p.name, p.qualifier, p.birth_year, p.death_year) for p in ex.people] == [
        ("Annibale Carracci", None, 1560, 1609),
        ("Agostino Carracci", "Formerly Attributed To", 1557, 1602),  # from "Agostino Carracci (Italian, 1557 - 1602)"
    ]


def test_groups_unknown_makers_and_several_authors(la_run: dict[str, Exhibit]) -> None:
    cup = la_run["j-paul-getty-museum:86.AE.183"]
    assert [(p.name, p.kind, p.role) for p in cup.people] == [("Class of Top-band Stemless Cups", "organisation", "Potter")]
    assert cup.values("date") == ["about 500 B.C."] and (cup.date_begin, cup.date_end) == (-500, -500)
    assert [(v.value, v.uri) for v in cup.attributes["object_type"]] == [("Cup", None), ("Fragments", AAT + "300117130")]
    book = la_run["j-paul-getty-museum:83.MR.171"]
    assert book.values("creator")[:3] == ["Unknown", "Aesop", "Pope Clement V"]  # as catalogued; questions skip "Unknown"
    assert "Unknown" not in [p.name for p in book.people]
    clement = next(p for p in book.people if p.name == "Pope Clement V")
    assert (clement.birth_year, clement.death_year, clement.nationality, clement.role) == (1264, 1314, "French", "Author")
    assert (book.date_begin, book.date_end) == (1450, 1475)


def test_nga_record_museum_acquisition_and_lowercase_terms(la_run: dict[str, Exhibit]) -> None:
    ex = la_run["national-gallery-of-art:1987.58.6"]
    assert ex.museum == "national-gallery-of-art" and ex.values("acquisition_year") == ["1987"]
    assert ex.values("credit_line") == ["Alfred Stieglitz Collection, Bequest of Georgia O'Keeffe"]  # aat:300026687
    assert ex.values("inscription")[0].startswith("across top reverse, in pencil")  # marks, aat:300028744
    assert [(v.value, v.uri) for v in ex.attributes["medium"]] == [("oil paint", AAT + "300015050"), ("canvas", AAT + "300014078")]
    assert [(p.name, p.person_id, p.kind) for p in ex.people] == [("O'Keeffe, Georgia", "http://vocab.getty.edu/ulan/500018666", None)]
    assert "department" not in ex.attributes  # an exhibition checklist is not a department


def test_a_person_document_in_the_folder_completes_a_reference(tmp_path: Path) -> None:
    """The real NGA record references O'Keeffe by id only; a Person document beside it (hand-written here in
    the Linked Art person shape, facts as ULAN gives them) adds her birth, death and nationality."""
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "object.json").write_bytes((REAL / "nga-70182.json").read_bytes())
    nationality = {"type": "Type", "_label": "American", "classified_as": [{"id": AAT + "300379842", "type": "Type"}]}
    person = {
        "@context": "https://linked.art/ns/v1/linked-art.json", "id": "http://vocab.getty.edu/ulan/500018666",
        "type": "Person", "_label": "O'Keeffe, Georgia",
        "identified_by": [{"type": "Name", "content": "Georgia O'Keeffe", "classified_as": [{"id": AAT + "300404670"}]}],
        "classified_as": [nationality],
        "born": {"type": "Birth", "timespan": {"type": "TimeSpan", "begin_of_the_begin": "1887-11-15T00:00:00Z"},
                 "took_place_at": [{"type": "Place", "_label": "Sun Prairie"}]},
        "died": {"type": "Death", "timespan": {"type": "TimeSpan", "end_of_the_end": "1986-03-06T23:59:59Z"},
                 "took_place_at": [{"type": "Place", "_label": "Santa Fe"}]},
    }
    (folder / "person.json").write_text(json.dumps(person))
    adapter = LinkedArtAdapter()
    (record,) = adapter.read(folder)
    (okeeffe,) = adapter.to_exhibit(record).people
    assert (okeeffe.name, okeeffe.birth_year, okeeffe.death_year) == ("Georgia O'Keeffe", 1887, 1986)
    assert (okeeffe.birth_place, okeeffe.death_place, okeeffe.nationality, okeeffe.kind) == (
        "Sun Prairie", "Santa Fe", "American", "person",
    )


def test_a_list_of_documents_in_one_file(tmp_path: Path) -> None:
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(REAL.glob("*.json"))]
    (tmp_path / "all.json").write_text(json.dumps(docs))
    assert detect_format(tmp_path / "all.json") == "linked-art"
    ingest([tmp_path / "all.json"], tmp_path / "run", progress=False)
    assert set(read_exhibits(tmp_path / "run")) == EXHIBIT_IDS


def test_records_without_an_id_are_rejected_and_no_objects_is_an_error(tmp_path: Path) -> None:
    nga = json.loads((REAL / "nga-70182.json").read_text(encoding="utf-8"))
    anonymous = {k: v for k, v in nga.items() if k not in ("id", "identified_by")}
    (tmp_path / "docs.jsonl").write_text(json.dumps(nga) + "\n" + json.dumps(anonymous) + "\n")
    stats = ingest([tmp_path / "docs.jsonl"], tmp_path / "run", LinkedArtAdapter(), progress=False, guard=ALLOW_REJECTS)
    assert (stats.records, stats.exhibits, stats.rejects) == (2, 1, 1)
    (reject,) = read_parquet_dir(tmp_path / "run" / "rejects").to_pylist()
    assert (reject["position"], reject["field"]) == (1, "identified_by") and "accession number" in reject["reason"]
    only = tmp_path / "only"
    only.mkdir()
    (only / "image.json").write_bytes((REAL / "a69d5696-70c2-56ed-9f82-fb2e69311e5d.json").read_bytes())
    with pytest.raises(UserError, match="no Linked Art objects"):
        list(LinkedArtAdapter().read(only))


def test_no_other_format_claims_the_files() -> None:
    for path in (REAL, REAL / "nga-70182.json", REAL / "c88b3df0-de91-4f5b-a9ef-7b2b9a6d8abb.json"):
        assert [name for name, cls in ADAPTERS.items() if cls.detect(path)] == ["linked-art"], path


def test_questions_from_the_records_pass_the_audit(tmp_path: Path) -> None:
    report, counts = audited_run([REAL], tmp_path / "run")
    assert report.pairs > 250 and counts["birth_year"] > 0 and counts["material"] > 0
    assert breaches(report) == []
