"""Every registered source format honours the adapter contract on real records; a new format is one module.

The contract: `detect` recognises its own fixture and no other format claims it, every record read
ends as an exhibit or a reject, exhibits have an id `museum:accession` and at least one attribute, and
`make_adapter` builds the format from its declared options. A toy format declared here, in a test
file, registers itself and passes the same checks without any edit to the package.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from catalog_helpers import FIXTURES, SHARED_DATA, read_exhibits

from museumvqa.catalog.adapters import ADAPTERS, Adapter, RawRecord, RecordRejected, detect_format, make_adapter
from museumvqa.catalog.ingest import ALLOW_REJECTS, ingest
from museumvqa.catalog.schema import Exhibit, make_exhibit_id
from museumvqa.sample import met_sample_dir

REAL = FIXTURES.parents[1] / "fixtures" / "real"


class ArticCsvAdapter(Adapter):
    """Test-only format: the Art Institute of Chicago's five-column API export, read without a mapping."""

    name = "toy-artic-csv"

    @classmethod
    def detect(cls, path: Path) -> bool:
        return path.is_file() and path.read_text(encoding="utf-8")[:80].startswith("id,title,main_reference_number")

    def read(self, path: Path) -> Iterator[RawRecord]:
        with path.open(encoding="utf-8", newline="") as f:
            for position, row in enumerate(csv.DictReader(f)):
                yield RawRecord(str(path), position, row, row.get("main_reference_number"))

    def to_exhibit(self, record: RawRecord) -> Exhibit:
        row = record.data
        if not row.get("main_reference_number"):
            raise RecordRejected("main_reference_number", "record has no accession number")
        ex = Exhibit(make_exhibit_id("artic", row["main_reference_number"]), "artic", self.name, record.source_path)
        ex.add("title", row.get("title"))
        ex.add("department", row.get("department_title"))
        return ex


# One real input per registered format: (path, options for make_adapter).
FORMAT_FIXTURES: dict[str, tuple[Path, dict[str, Path]]] = {
    "met-api": (met_sample_dir() / "objects.json", {}),
    "met-csv": (FIXTURES / "met_objects.csv", {}),
    "tate": (SHARED_DATA / "tate" / "artworks.jsonl", {}),
    "lido": (REAL / "inp-romania", {}),
    "mapping": (REAL / "cooper-hewitt" / "objects", {"mapping": REAL / "cooper-hewitt" / "mapping.yaml"}),
    "toy-artic-csv": (REAL / "artic-chicago" / "someArtworks-subset.csv", {}),
    "smithsonian": (REAL / "smithsonian", {}),
    "linked-art": (REAL / "linked-art", {}),
    "wikidata": (FIXTURES / "wikidata_entities", {}),  # written from the specification: no real export found
    # one file: LIDO's folder detection claims any folder of *.xml (see test_edm.py)
    "edm": (REAL / "europeana-edm" / "europeana-oai" / "92064-bildarchivaustria_Preview_305640.xml", {}),
    "dpla": (REAL / "dpla", {}),
}


def test_every_registered_format_has_a_real_fixture() -> None:
    assert set(ADAPTERS) == set(FORMAT_FIXTURES)  # a new format comes with its real records


@pytest.mark.parametrize("name", sorted(FORMAT_FIXTURES))
def test_adapter_contract(name: str, tmp_path: Path) -> None:
    path, options = FORMAT_FIXTURES[name]
    if not path.exists():
        pytest.skip(f"{path} is not here")
    if not options:  # formats that need no options are recognised on their own
        assert detect_format(path) == name
    adapter = make_adapter(name, **options)
    stats = ingest([path], tmp_path / "run", adapter, progress=False, guard=ALLOW_REJECTS)
    assert stats.records > 0 and stats.exhibits + stats.rejects == stats.records
    exhibits = read_exhibits(tmp_path / "run")
    assert len(exhibits) == stats.exhibits
    for exhibit_id, ex in exhibits.items():
        assert exhibit_id == make_exhibit_id(ex.museum, exhibit_id.split(":", 1)[1])
        assert ex.source_adapter == name and any(ex.attributes.values())


def test_the_toy_format_is_known_to_the_cli_error_messages() -> None:
    from museumvqa.errors import UserError

    with pytest.raises(UserError, match="known formats: .*toy-artic-csv"):
        make_adapter("nope")
