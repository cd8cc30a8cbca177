"""LIDO inside OAI-PMH responses (what `harvest` writes): records, deletions and foreign metadata each take a position."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from helpers.oai_server import lido_records

from museumvqa.catalog.adapters import detect_format
from museumvqa.catalog.adapters.base import DELETED_AT_SOURCE
from museumvqa.catalog.adapters.lido import LidoAdapter
from museumvqa.catalog.ingest import ALLOW_REJECTS, RejectGuard, ingest
from museumvqa.errors import UserError
from museumvqa.io import read_parquet_dir

ROMANIA = (
    Path(__file__).parents[1]
    / "fixtures"
    / "real"
    / "inp-romania"
    / "inp-clasate-istoria-stiintei-si-tehnicii-first40.xml"
)
TEXTS, NAMESPACES = lido_records(ROMANIA)
XMLNS = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NAMESPACES.items())


def _page(*records: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
        '<responseDate>2024-06-01T00:00:00Z</responseDate><request verb="ListRecords">http://x/oai</request>'
        f"<ListRecords>{''.join(records)}</ListRecords></OAI-PMH>\n"
    )


def _lido(identifier: str, text: str) -> str:
    return (
        f"<record><header><identifier>{identifier}</identifier><datestamp>2024-01-01</datestamp></header>"
        f"<metadata {XMLNS}>{text}</metadata></record>"
    )


def _deleted(identifier: str) -> str:
    return (
        f'<record><header status="deleted"><identifier>{identifier}</identifier>'
        "<datestamp>2024-02-01</datestamp></header></record>"
    )


DUBLIN_CORE = (
    "<record><header><identifier>oai:x:dc</identifier><datestamp>2024-01-01</datestamp></header><metadata>"
    '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
    "<dc:title>Not LIDO</dc:title></oai_dc:dc></metadata></record>"
)


def test_each_oai_record_takes_one_position(tmp_path: Path) -> None:
    page = tmp_path / "page-000001.xml"
    page.write_text(_page(_lido("oai:x:1", TEXTS[0]), _deleted("oai:x:2"), DUBLIN_CORE, _lido("oai:x:4", TEXTS[1])))
    records = list(LidoAdapter().read(page))
    assert [(r.position, r.record_id, r.data is not None) for r in records] == [
        (0, "00F9478BE8AC401DBB7092A46ECE160F", True),
        (1, "oai:x:2", False),
        (2, "oai:x:dc", False),
        (3, TEXTS[1].split("</lido:lidoRecID>")[0].rsplit(">", 1)[1], True),
    ]
    assert records[1].error == 'deleted at the source (OAI-PMH header status="deleted")'
    assert records[2].error.startswith("OAI-PMH record without a LIDO record")


def test_a_harvested_page_ingests_like_its_source(tmp_path: Path) -> None:
    page = tmp_path / "pages" / "page-000001.xml"
    page.parent.mkdir()
    page.write_text(_page(*(_lido(f"oai:x:{i}", t) for i, t in enumerate(TEXTS[:3])), _deleted("oai:x:gone")))
    stats = ingest([page.parent], tmp_path / "run", progress=False, guard=ALLOW_REJECTS)
    assert (stats.records, stats.exhibits, stats.rejects) == (4, 3, 1)
    (reject,) = read_parquet_dir(tmp_path / "run" / "rejects").to_pylist()
    assert (reject["record_id"], reject["position"]) == ("oai:x:gone", 3) and "deleted" in reject["reason"]


def test_a_page_that_opens_with_many_deletions_is_still_lido(tmp_path: Path) -> None:
    page = tmp_path / "page.xml"
    page.write_text(_page(*(_deleted(f"oai:x:{i}") for i in range(60)), _lido("oai:x:last", TEXTS[0])))
    assert LidoAdapter.detect(page) and detect_format(page) == "lido"


def test_a_page_of_deletions_only_reads_as_rejects_and_one_without_lido_is_refused(tmp_path: Path) -> None:
    deletions = tmp_path / "deletions.xml"
    deletions.write_text(_page(_deleted("oai:x:1"), _deleted("oai:x:2")))
    assert [r.error is not None for r in LidoAdapter().read(deletions)] == [True, True]
    foreign = tmp_path / "dc.xml"
    foreign.write_text(_page(DUBLIN_CORE))
    with pytest.raises(UserError, match="no LIDO records"):
        list(LidoAdapter().read(foreign))


def test_deleted_records_never_trip_the_reject_guard() -> None:
    """Most of a harvested page deleted at the source: expected rejects, the guard lets the ingest through,
    while the same share of any other reason stops it."""
    guard = RejectGuard()
    guard.check(Path("page.xml"), 10, Counter({DELETED_AT_SOURCE: 8}), {DELETED_AT_SOURCE: ["oai:1", "oai:2"]})
    with pytest.raises(UserError, match="8 of 10 records"):
        guard.check(Path("page.xml"), 10, Counter({"no title": 8}), {"no title": ["a", "b"]})
