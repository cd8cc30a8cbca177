"""Generic CSV / JSON Lines through a YAML mapping: nested paths, lists, people, and strict errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from catalog_helpers import read_exhibits

from museumvqa.catalog.adapters.mapping import MappingAdapter, extract
from museumvqa.catalog.ingest import ALLOW_REJECTS, ingest
from museumvqa.errors import UserError
from museumvqa.io import read_parquet_dir

MAPPING = """\
museum: example
format: jsonl
id: accession_number
fields:
  title: title
  title@fr: titles.fr
  creator: creator[].full_name
  date: creation_date
  date_begin: creation_date_earliest
  medium: medium
  object_type: classification
  department: department
  credit_line: credit_line
  images: images[].image_url
people:
  each: creator[]
  name: full_name
  role: role
  nationality: nationality
  birth_year: birth_year
  birth_place: birth_place
  death_place: death_place
"""

RECORDS = [
    {
        "accession_number": "1942.7",
        "title": "The Harbour",
        "titles": {"fr": "Le Port"},
        "creator": [
            {
                "full_name": "Anna Example",
                "role": "painter",
                "nationality": "French",
                "birth_year": "1840",
                "birth_place": "Lyon",
                "death_place": "Paris",
            },
            {"full_name": "Ben Helper", "role": "assistant"},
        ],
        "creation_date": "c. 1880",
        "creation_date_earliest": 1878,
        "medium": "Oil on canvas",
        "classification": "painting",
        "department": "Paintings",
        "credit_line": "Gift of X, 1942",
        "images": [{"image_url": "https://img.example.org/1.jpg"}, {"image_url": "https://img.example.org/1b.jpg"}],
    },
    {"accession_number": "1942.8", "title": "Untitled", "creator": []},
    {"title": "no id"},
]


def _write(tmp_path: Path, mapping: str, records: list[dict]) -> tuple[Path, Path]:
    (tmp_path / "m.yaml").write_text(mapping)
    (tmp_path / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    return tmp_path / "m.yaml", tmp_path / "data.jsonl"


def test_jsonl_with_the_example_mapping(tmp_path: Path) -> None:
    mapping, data = _write(tmp_path, MAPPING, RECORDS)
    stats = ingest([data], tmp_path / "run", MappingAdapter.from_yaml(mapping), progress=False, guard=ALLOW_REJECTS)
    assert (stats.exhibits, stats.rejects) == (2, 1)
    ex = read_exhibits(tmp_path / "run")["example:1942.7"]
    assert ex.values("title", lang="en") == ["The Harbour"] and ex.values("title", lang="fr") == ["Le Port"]
    assert ex.values("creator") == ["Anna Example", "Ben Helper"] and ex.date_begin == 1878
    assert ex.values("object_type") == ["painting"] and ex.values("credit_line") == ["Gift of X, 1942"]
    assert [(i.uri, i.role) for i in ex.images] == [
        ("https://img.example.org/1.jpg", "primary"),
        ("https://img.example.org/1b.jpg", "additional"),
    ]
    anna = ex.people[0]
    assert (anna.name, anna.role, anna.birth_year, anna.birth_place, anna.death_place, anna.nationality) == (
        "Anna Example",
        "painter",
        1840,
        "Lyon",
        "Paris",
        "French",
    )
    assert (
        read_parquet_dir(tmp_path / "run" / "rejects").to_pylist()[0]["reason"] == "record has no id (accession_number)"
    )


def test_csv_with_a_mapping(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text("museum: town\nid: Inv. No.\nfields:\n  title: Title\n  medium: Material\n")
    (tmp_path / "objects.csv").write_text("Inv. No.,Title,Material\nT.1,Jug,earthenware\nT.2,Bowl,\n")
    ingest([tmp_path / "objects.csv"], tmp_path / "run", MappingAdapter.from_yaml(tmp_path / "m.yaml"), progress=False, guard=ALLOW_REJECTS)
    exhibits = read_exhibits(tmp_path / "run")
    assert exhibits["town:T.1"].values("medium") == ["earthenware"] and "medium" not in exhibits["town:T.2"].attributes


def test_unknown_schema_field_is_an_error(tmp_path: Path) -> None:
    mapping, _ = _write(tmp_path, MAPPING.replace("  medium: medium", "  colour: medium"), RECORDS)
    with pytest.raises(UserError, match="unknown schema fields colour; known: title"):
        MappingAdapter.from_yaml(mapping)


def test_path_that_never_matches_is_an_error_not_an_empty_column(tmp_path: Path) -> None:
    mapping, data = _write(tmp_path, MAPPING.replace("medium: medium", "medium: materials.name"), RECORDS)
    with pytest.raises(UserError, match=r"matched no record: medium: materials.name"):
        ingest([data], tmp_path / "run", MappingAdapter.from_yaml(mapping), progress=False, guard=ALLOW_REJECTS)
    assert not (tmp_path / "run" / "exhibits").exists()  # nothing half-written is left as a result


def test_mapping_file_errors_are_one_line(tmp_path: Path) -> None:
    for text, message in [("museum: x\n", "needs 'id'"), ("- a\n", "YAML object"), ("a: [", "cannot read mapping")]:
        (tmp_path / "m.yaml").write_text(text)
        with pytest.raises(UserError, match=message) as error:
            MappingAdapter.from_yaml(tmp_path / "m.yaml")
        assert "\n" not in str(error.value)


def test_extract_paths() -> None:
    record = {"a": {"b": 1}, "x": [{"y": "p"}, {"y": "q"}, {"z": 0}], "dotted.key": "d"}
    assert extract(record, "a.b") == [1]
    assert extract(record, "x[].y") == ["p", "q"]
    assert extract(record, "dotted.key") == ["d"]
    assert extract(record, "a.c") == [] and extract(record, "x.y") == []
