"""LIDO 1.0 / 1.1 on fixtures written from the specification: languages, actors, dates, IIIF, bad records."""

from __future__ import annotations

from pathlib import Path

import pytest
from catalog_helpers import FIXTURES, read_exhibits

from museumvqa.catalog.adapters.lido import LidoAdapter, iiif_info_url
from museumvqa.catalog.ingest import ALLOW_REJECTS, ingest
from museumvqa.catalog.years import leading_year
from museumvqa.errors import UserError
from museumvqa.io import read_parquet_dir


@pytest.fixture(scope="module")
def lido_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lido")
    stats = ingest([FIXTURES / "lido_1_0_wrap.xml", FIXTURES / "lido_1_1_single.xml"], out, progress=False, guard=ALLOW_REJECTS)
    assert (stats.records, stats.exhibits, stats.rejects) == (5, 3, 2)
    return out


def test_titles_keep_their_languages(lido_run: Path) -> None:
    ex = read_exhibits(lido_run)["example-kunstmuseum:GK 214"]
    assert [(v.value, v.lang) for v in ex.attributes["title"]] == [
        ("Bildnis einer jungen Frau", "de"),  # inherited from descriptiveMetadata xml:lang
        ("Portrait of a Young Woman", "en"),
        ("Portrait d'une jeune femme", "fr"),
    ]
    assert [(v.value, v.lang) for v in ex.attributes["object_type"]] == [("Gemälde", "de"), ("painting", "en")]
    assert ex.values("description", lang="en") == ["Half-length portrait against a dark ground."]


def test_actors_with_roles_become_people(lido_run: Path) -> None:
    ex = read_exhibits(lido_run)["example-kunstmuseum:GK 214"]
    assert [(v.value, v.role) for v in ex.attributes["creator"]] == [
        ("Rembrandt Harmensz. van Rijn", "Maler"),  # the preferred name, not the alternate
        ("Isaac Jouderville", "Werkstatt"),
    ]
    rembrandt = ex.people[0]
    assert (rembrandt.person_id, rembrandt.birth_year, rembrandt.death_year, rembrandt.nationality) == (
        "P-17",
        1606,
        1669,
        "Dutch",
    )
    assert "Sammlung Beispiel" not in ex.values("creator")  # an acquisition event's actor is not a maker


def test_event_dates_materials_and_the_rest(lido_run: Path) -> None:
    ex = read_exhibits(lido_run)["example-kunstmuseum:GK 214"]
    assert ex.values("date") == ["um 1632"] and (ex.date_begin, ex.date_end) == (1631, 1633)
    assert ex.values("medium") == ["Öl auf Eichenholz", "Eichenholz"] and ex.values("technique") == ["Ölmalerei"]
    assert ex.values("classification") == ["Malerei"] and ex.values("period") == ["Barock"]
    assert ex.values("culture") == ["niederländisch"] and ex.values("place") == ["Amsterdam"]
    assert ex.values("subject") == ["Porträt", "woman"]
    assert ex.values("dimensions") == ["Höhe: 72.5 cm; Breite: 58 cm"]
    assert ex.values("inscription") == ["signiert unten rechts: R. 1632"]
    assert ex.values("credit_line") == ["Vermächtnis Beispiel, 1897"]
    assert (ex.rights, ex.licence, ex.url) == ("Gemeinfrei", "CC0 1.0", "https://collection.example.org/object/GK-214")


def test_resource_links_master_iiif_and_views(lido_run: Path) -> None:
    ex = read_exhibits(lido_run)["example-kunstmuseum:GK 214"]
    assert [(i.uri, i.role, i.view) for i in ex.images] == [
        ("https://images.example.org/master/GK214.tif", "primary", "Vorderseite"),  # master preferred to thumb
        ("https://iiif.example.org/iiif/2/GK214-verso/info.json", "verso", "verso"),  # the service, sized by shards; not the manifest
    ]


def test_lido_1_1_single_record_default_namespace(lido_run: Path) -> None:
    ex = read_exhibits(lido_run)["nationalmuseum:NMG 1234/1900"]
    assert ex.values("title", lang="sv") == ["Vinterlandskap"] and ex.values("title", lang="en") == ["Winter Landscape"]
    assert ex.values("technique") == ["etching"] and ex.values("medium") == ["paper"]
    assert ex.people[0].person_id == "http://vocab.getty.edu/ulan/500011051" and ex.people[0].nationality == "Swedish"
    assert ex.images[0].uri == "https://iiif.example.se/iiif/3/NMG1234/info.json"  # sized by shards, never full/max
    assert ex.images[0].licence == "Public Domain Mark"


def test_bce_dates_without_display_date(lido_run: Path) -> None:
    ex = read_exhibits(lido_run)["example-kunstmuseum:Pl 3.14"]
    assert (ex.date_begin, ex.date_end) == (-120, -80) and ex.values("date") == ["120 BCE–80 BCE"]
    assert ex.values("title", lang="it") == ["Testa di fanciullo"] and ex.values("dimensions") == ["altezza 31 cm"]


def test_malformed_records_beside_good_ones_are_rejected(lido_run: Path) -> None:
    rejects = read_parquet_dir(lido_run / "rejects").to_pylist()
    assert [(r["position"], r["field"]) for r in rejects] == [(1, "workID"), (2, "titleWrap")]
    assert rejects[1]["record_id"] == "DE-EX1/lido-obj-0003"


def test_truncated_file_keeps_records_before_the_break(tmp_path: Path) -> None:
    text = (FIXTURES / "lido_1_0_wrap.xml").read_text(encoding="utf-8")
    cut = text.index('<lido:lidoRecID lido:type="local">DE-EX1/lido-obj-0004')
    (tmp_path / "cut.xml").write_text(text[:cut], encoding="utf-8")
    stats = ingest([tmp_path / "cut.xml"], tmp_path / "run", LidoAdapter(museum="ex"), progress=False, guard=ALLOW_REJECTS)
    assert (stats.exhibits, stats.rejects) == (1, 3)
    last = read_parquet_dir(tmp_path / "run" / "rejects").to_pylist()[-1]
    assert "XML breaks here" in last["reason"]
    assert read_exhibits(tmp_path / "run")["ex:GK 214"].museum == "ex"


def test_wrong_namespace_is_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "other.xml"
    path.write_text('<lidoWrap xmlns="http://example.org/not-lido"><lido><lidoRecID>1</lidoRecID></lido></lidoWrap>')
    with pytest.raises(UserError, match="no LIDO records") as error:
        ingest([path], tmp_path / "run", LidoAdapter(), progress=False, guard=ALLOW_REJECTS)
    assert "\n" not in str(error.value)


def test_folder_of_files_streams_in_name_order(tmp_path: Path) -> None:
    for name in ("b.xml", "a.xml"):
        (tmp_path / "in" / name).parent.mkdir(exist_ok=True)
        (tmp_path / "in" / name).write_bytes((FIXTURES / "lido_1_1_single.xml").read_bytes())
    stats = ingest([tmp_path / "in"], tmp_path / "run", progress=False, guard=ALLOW_REJECTS)
    assert (stats.exhibits, stats.rejects) == (1, 1)  # the second copy is a duplicate id
    reject = read_parquet_dir(tmp_path / "run" / "rejects").to_pylist()[0]
    assert reject["source_path"].endswith("b.xml") and "duplicate" in reject["reason"] and "#0" in reject["reason"]


def test_helpers() -> None:
    assert [leading_year(t) for t in ("1642", "1642-05-01", "-0500", "c. 1600", None)] == [1642, 1642, -500, None, None]
    assert iiif_info_url("https://x.org/iiif/abc") == "https://x.org/iiif/abc/info.json"
