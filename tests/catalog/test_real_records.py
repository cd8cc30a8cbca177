"""Real catalogue records of several museums (tests/fixtures/real, each folder's SOURCE.md) read right.

Each shape here was mishandled on real exports before: a placeholder lidoRecID, a former repository
set, a commissioner taken for the maker, a Romanian "Anonim", a technique filed as medium, a
Europeana media type as a classification, the image licence taken for the record's, a folder of
one-object JSON files that a mapping could not read, donors taken for makers.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from catalog_helpers import read_exhibits

from museumvqa.catalog.adapters.lido import LidoAdapter
from museumvqa.catalog.adapters.mapping import MappingAdapter
from museumvqa.catalog.ingest import ingest
from museumvqa.errors import UserError

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"
NATIONALMUSEUM = REAL / "nationalmuseum-se" / "Item_6993563.xml"
ROMANIA = REAL / "inp-romania"
COOPER_HEWITT = REAL / "cooper-hewitt"


def test_placeholder_lidorecid_gives_the_workid_and_the_museum(tmp_path: Path) -> None:
    """Nationalmuseum's export: every lidoRecID is '/Museu:000000'; the work id is in the current repository set."""
    stats = ingest([NATIONALMUSEUM], tmp_path / "run", progress=False)
    assert (stats.exhibits, stats.rejects) == (1, 0)
    ex = read_exhibits(tmp_path / "run")["nationalmuseum:NM 7323"]
    assert ex.museum == "nationalmuseum"
    assert ex.values("creator") == ["Geskel Saloman"]  # the funder of the acquisition is not a maker
    assert ex.values("acquisition_year") == ["2016"]  # from the Acquisition event's "Förvärvsår 2016"
    assert ex.licence == "CC0"  # the record's rights, not the photograph's CC BY-SA


def _with_former_repository(text: str, n: int) -> str:
    """The real record with a former repository set in front, in the shape the issue reports (derived, not real)."""
    former = (
        "<lido:repositorySet lido:type=\"former\"><lido:repositoryName><lido:legalBodyName>"
        f"<lido:appellationValue>Inköp 1958 {n}</lido:appellationValue></lido:legalBodyName></lido:repositoryName>"
        "<lido:workID>Gåva 1933</lido:workID></lido:repositorySet>"
    )
    text = text.replace("<lido:repositoryWrap>", f"<lido:repositoryWrap>{former}", 1)
    return text.replace("NM 7323", f"NM 7323-{n}").replace("<lido:recordID lido:type=\"local\">180811", f"<lido:recordID lido:type=\"local\">18081{n}")


def test_a_former_repository_set_never_names_the_museum_or_the_id(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    text = NATIONALMUSEUM.read_text(encoding="utf-8")
    for n in range(3):
        (folder / f"item{n}.xml").write_text(_with_former_repository(text, n), encoding="utf-8")
    stats = ingest([folder], tmp_path / "run", progress=False)
    assert (stats.records, stats.exhibits, stats.rejects) == (3, 3, 0)  # all three, though lidoRecID is the same
    assert sorted(read_exhibits(tmp_path / "run")) == [f"nationalmuseum:NM 7323-{n}" for n in range(3)]


def test_record_id_is_the_fallback_when_there_is_no_work_id(tmp_path: Path) -> None:
    text = re.sub(r"<lido:workID[^>]*>NM 7323</lido:workID>", "", NATIONALMUSEUM.read_text(encoding="utf-8"))
    (tmp_path / "x.xml").write_text(text, encoding="utf-8")
    ingest([tmp_path / "x.xml"], tmp_path / "run", progress=False)
    assert list(read_exhibits(tmp_path / "run")) == ["nationalmuseum:180811"]  # recordID, never /Museu:000000


def test_romanian_register_roles_unknown_makers_and_labels(tmp_path: Path) -> None:
    ingest([ROMANIA], tmp_path / "run", LidoAdapter(), progress=False)
    exhibits = read_exhibits(tmp_path / "run")
    assert len(exhibits) >= 3
    tram = next(e for e in exhibits.values() if e.values("title") == ["Vagon de tramvai cu cai"])
    assert tram.values("technique") == ["Turnare; matriare; forjare; prelucrări mecanice prin așchiere"]
    assert tram.values("medium") == ["oțel; fontă; alamă; lemn"]
    assert "IMAGE" not in tram.values("classification")  # Europeana's media type is not a classification
    assert tram.values("place") == ["Edinburg, Scoția"]  # the locality with the country it is part of
    assert not any(v.startswith("workshop:") for v in tram.values("culture"))
    gramophone = next(e for e in exhibits.values() if "The Gramophone Company Ltd. Hayes" in e.values("creator"))
    assert gramophone.values("culture") == []  # "workshop: The Gramophone Company..." is its maker
    assert tram.licence == "CC0"
    locomotives = [e for e in exhibits.values() if e.values("title")[0].startswith("Locomotivă")]
    assert locomotives and all("C.F.R." not in e.values("creator") for e in locomotives)  # the paymaster made nothing
    assert "C.F.R." in {p.name for e in locomotives for p in e.people if p.role == "paymaster"}
    assert "Uzinele Scwartzkopff din Berlin" in locomotives[0].values("creator")  # its "workshop: ..." culture term


def test_a_folder_of_one_object_files_through_a_mapping(tmp_path: Path) -> None:
    """Cooper Hewitt publishes one JSON file per object, in two schema generations; donors are not makers."""
    adapter = MappingAdapter.from_yaml(COOPER_HEWITT / "mapping.yaml")
    stats = ingest([COOPER_HEWITT / "objects"], tmp_path / "run", adapter, progress=False)
    files = list((COOPER_HEWITT / "objects").rglob("*.json"))
    assert stats.records == stats.exhibits == len(files)
    exhibits = read_exhibits(tmp_path / "run")
    drawing = exhibits["cooper-hewitt:1923-41-1"]
    assert drawing.values("object_type") == ["Drawing"]  # the older {id, name} form
    assert drawing.values("creator") == ["Francis Hopkinson Smith"]
    donated = exhibits["cooper-hewitt:1923-41-4"]
    assert donated.values("creator") == [] and [p.role for p in donated.people] == ["Donor"]


def test_a_mapping_path_that_only_finds_objects_is_an_error(tmp_path: Path) -> None:
    mapping = (COOPER_HEWITT / "mapping.yaml").read_text(encoding="utf-8")
    mapping = mapping.replace("images: images[].b.url", "images: images[].b")
    (tmp_path / "m.yaml").write_text(mapping, encoding="utf-8")
    with pytest.raises(UserError, match=r"found objects, not text, in every record: images: images\[\]\.b; map a key"):
        ingest([COOPER_HEWITT / "objects"], tmp_path / "run", MappingAdapter.from_yaml(tmp_path / "m.yaml"), progress=False)
    assert not (tmp_path / "run" / ".exhibits.tmp").exists()


def test_unknown_people_key_is_named(tmp_path: Path) -> None:
    mapping = (COOPER_HEWITT / "mapping.yaml").read_text(encoding="utf-8").replace("role: role_name", "rol: role_name")
    (tmp_path / "m.yaml").write_text(mapping, encoding="utf-8")
    with pytest.raises(UserError, match="unknown people keys rol; known: each, makers, name, role"):
        MappingAdapter.from_yaml(tmp_path / "m.yaml")


def test_every_real_folder_has_its_source_and_licence() -> None:
    folders = [p for p in REAL.iterdir() if p.is_dir()]
    assert len(folders) >= 4
    for folder in folders:
        source = (folder / "SOURCE.md").read_text(encoding="utf-8")
        assert re.search(r"CC0|public domain|CC BY", source, re.IGNORECASE), folder


def test_met_life_years_only_where_the_biography_states_them(sample_dir: Path) -> None:
    """A Met begin/end date is a range: 'Venice ca. 1480–1556' begins 1475, 'active ca. 742–756' is no life."""
    from museumvqa.catalog.years import life_years

    assert life_years("Italian, Venice ca. 1480–1556 Loreto", 1475, 1556) == (None, 1556)
    assert life_years("Chinese, active ca. 742–756", 742, 756) == (None, None)
    assert life_years("Dutch, Zundert 1853–1890 Auvers-sur-Oise", 1853, 1890) == (1853, 1890)
    assert life_years(None, 1800, 1850) == (1800, 1850)  # no biography: the range is all there is
