"""Europeana EDM: RDF/XML records, dumps and OAI-PMH pages, and Europeana's Record / Search API JSON.

An XML file is one `rdf:RDF` record, a dump (one `rdf:RDF` holding many records, or many `rdf:RDF`
in an OAI-PMH ListRecords page, or a provider's bare `<record>`), streamed with iterparse: the
resources of one ProvidedCHO (found by rdf:about, aggregatedCHO or proxyFor) are read together, then
dropped. A record's resources are expected together in the file, as every EDM export writes them.
Contextual entities (agents, places, concepts, timespans, organisations) are indexed per file first,
so a dump that writes each entity once still resolves every record's links; a file without any
entity skips that pass. JSON files (a Record API answer, a full bean, a Search API answer, a list or
JSON Lines of them) are read with `iter_json`. A folder is read file by file (*.xml, *.json, *.jsonl).

The mapping to Exhibit is `catalog.edm_map`; the model both serialisations are read into, `catalog.edm_model`.
"""

from __future__ import annotations

import mmap
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from museumvqa.catalog.adapters.base import DELETED_AT_SOURCE, Adapter, RawRecord, RecordRejected
from museumvqa.catalog.edm_json import is_europeana_json, record_from_json, unwrap
from museumvqa.catalog.edm_map import to_exhibit
from museumvqa.catalog.edm_model import (
    ABOUT,
    EDM,
    ENTITY_KINDS,
    RDF,
    RESOURCE,
    EdmRecord,
    Node,
    local_name,
    xml_nodes,
)
from museumvqa.catalog.harvest.state import STATE_FILE
from museumvqa.catalog.readers.textio import head_text, iter_json
from museumvqa.catalog.schema import Exhibit, clean_text
from museumvqa.errors import UserError

_RDF_ROOT = f"{{{RDF}}}RDF"
_OAI = "{http://www.openarchives.org/OAI/2.0/}"
_OAI_HEADER, _OAI_RECORD, _OAI_IDENTIFIER = f"{_OAI}header", f"{_OAI}record", f"{_OAI}identifier"
_NOT_EDM = "OAI-PMH record without an EDM rdf:RDF (its metadata is another format, or empty)"
_JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
_JSON_MARKERS = (
    '"europeanaAggregation"', '"europeanaProxy"', '"edmIsShownBy"', '"edmIsShownAt"', '"dcTitleLangAware"',
    '"europeanaCompleteness"',
)  # fmt: skip
# An entity element in any prefix ("<edm:Agent ", "<skos:Concept>"): whether a file needs the index pass.
_ENTITY_TAG = re.compile(rb"<(?:[\w.-]+:)?(?:" + b"|".join(k.encode() for k in ENTITY_KINDS) + rb")[\s/>]")


class EdmAdapter(Adapter):
    """Europeana EDM records. `museum` overrides the data provider; `lang` tags untagged literals."""

    name = "edm"

    def __init__(self, museum: str | None = None, lang: str | None = None) -> None:
        self.museum = museum
        self.lang = lang

    @classmethod
    def detect(cls, path: Path) -> bool:
        if path.is_dir():
            return any(_is_edm(file) for file in _files(path)[:5])
        return _is_edm(path)

    def read(self, path: Path) -> Iterator[RawRecord]:
        files = _files(path) if path.is_dir() else [path]
        if not files:
            raise UserError(f"{path}: no *.xml or *.json files")
        for file in files:
            yield from _read_json(file) if _is_json(file) else _read_xml(file)

    def to_exhibit(self, record: RawRecord) -> Exhibit:
        data = record.data
        if isinstance(data, dict):
            data = record_from_json(data)
        if not isinstance(data, EdmRecord):
            raise RecordRejected(None, f"record is a JSON {type(data).__name__}, not an object")
        where = f"{record.source_path}#{record.position}"
        return to_exhibit(data, where, self.name, self.museum, self.lang)


def _files(folder: Path) -> list[Path]:
    """The folder's record files in name order; a harvest's state file and hidden files are not records."""
    suffixes = (".xml", *_JSON_SUFFIXES)
    return sorted(
        f
        for f in folder.rglob("*")
        if f.suffix.lower() in suffixes and f.is_file() and f.name != STATE_FILE and not f.name.startswith(".")
    )


def _is_json(file: Path) -> bool:
    return file.suffix.lower() in _JSON_SUFFIXES or head_text(file, 64).lstrip()[:1] in ("{", "[")


def _is_edm(file: Path) -> bool:
    head = head_text(file, 16384)
    if _is_json(file):
        return any(marker in head for marker in _JSON_MARKERS)
    # a harvested page may open with many deleted records' headers before its first EDM record
    return EDM in head or (_OAI[1:-1] in head and EDM in head_text(file, 1 << 16))


def _read_json(file: Path) -> Iterator[RawRecord]:
    position = 0
    for _, data, error in iter_json(file):
        for item in unwrap(data) if error is None else [None]:
            if error is not None:
                yield RawRecord(str(file), position, None, None, error)
            elif not is_europeana_json(item):
                reason = "not a Europeana record (no proxies, aggregations or Search API item fields)"
                yield RawRecord(str(file), position, None, None, reason)
            else:
                record_id = item.get("about") or item.get("identifier") or item.get("id")
                yield RawRecord(
                    str(file), position, item, clean_text(record_id) if isinstance(record_id, str) else None
                )
            position += 1


def _entity_index(file: Path) -> dict[str, Node]:
    """The file's contextual entities by URI (first definition wins); empty for a file that has none."""
    try:
        with file.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            if _ENTITY_TAG.search(data) is None:  # type: ignore[call-overload]
                return {}
    except ValueError:  # an empty file cannot be mapped
        return {}
    index: dict[str, Node] = {}
    stack: list[ET.Element] = []
    try:
        for event, element in ET.iterparse(file, events=("start", "end")):
            if event == "start":
                stack.append(element)
                continue
            stack.pop()
            if local_name(element.tag) in ENTITY_KINDS and element.get(ABOUT):
                node = xml_nodes(element)[0]
                index.setdefault(node.about, node)  # type: ignore[arg-type]
            if stack and stack[-1].tag in (_RDF_ROOT, f"{_OAI}ListRecords"):
                stack[-1].remove(element)  # done with it: memory stays one resource deep
    except ET.ParseError:
        pass  # the reading pass reports where the XML breaks
    return index


def _read_xml(file: Path) -> Iterator[RawRecord]:
    """The file's records: each ProvidedCHO with its resources, and one reject per deleted OAI-PMH record."""
    index = _entity_index(file)
    position, found, started = 0, False, False
    stack: list[ET.Element] = []
    rdf: ET.Element | None = None
    group: list[ET.Element] = []
    key: str | None = None
    header_id, oai_done = None, False
    try:
        for event, element in ET.iterparse(file, events=("start", "end")):
            if event == "start":
                stack.append(element)
                started = True
                if element.tag == _RDF_ROOT and rdf is None:
                    rdf = element
                continue
            stack.pop()
            parent = stack[-1] if stack else None
            if rdf is not None and parent is rdf:
                own = _cho_key(element)
                if own is not None and key is not None and own != key:
                    yield _record(file, position, group, index, header_id, key)
                    position, found, oai_done = position + 1, True, True
                    for done in group:
                        rdf.remove(done)
                    group, key = [], None
                key = key or own
                group.append(element)
            elif element is rdf:
                if group:
                    yield _record(file, position, group, index, header_id, key)
                    position, found, oai_done = position + 1, True, True
                group, key, rdf = [], None, None
                if parent is not None:
                    parent.remove(element)
            elif element.tag == _OAI_HEADER:
                header_id = clean_text(element.findtext(_OAI_IDENTIFIER))
                if element.get("status") == "deleted":
                    yield RawRecord(str(file), position, None, header_id, DELETED_AT_SOURCE)
                    position, found, oai_done = position + 1, True, True
            elif element.tag == _OAI_RECORD:
                if not oai_done:
                    yield RawRecord(str(file), position, None, header_id, _NOT_EDM)
                    position, found = position + 1, True
                header_id, oai_done = None, False
                if parent is not None:
                    parent.remove(element)
    except ET.ParseError as e:
        if not started:
            raise UserError(f"{file}: not valid XML ({e})") from None
        yield RawRecord(str(file), position, None, None, f"XML breaks here, the rest of the file is lost ({e})")
        return
    except OSError as e:
        raise UserError(f"{file}: cannot read ({e.strerror})") from None
    if not found:
        raise UserError(f"{file}: no EDM records (expected rdf:RDF with edm:ProvidedCHO / ore:Aggregation)")


def _cho_key(element: ET.Element) -> str | None:
    """Which CHO a top-level resource describes: its own URI, aggregatedCHO or proxyFor; None for the rest."""
    kind = local_name(element.tag)
    if kind == "ProvidedCHO":
        return element.get(ABOUT)
    if kind in ("Aggregation", "EuropeanaAggregation"):
        for child in element:
            if local_name(child.tag) == "aggregatedCHO":
                nested = next(iter(child), None)
                return (nested.get(ABOUT) if nested is not None else child.get(RESOURCE)) or element.get(ABOUT)
        return element.get(ABOUT) or element.get(RESOURCE)
    if kind == "Proxy":
        for child in element:
            if local_name(child.tag) == "proxyFor":
                return child.get(RESOURCE) or element.get(ABOUT)
        return element.get(ABOUT)
    return None


def _record(
    file: Path, position: int, group: list[ET.Element], index: dict[str, Node], header_id: str | None, key: str | None
) -> RawRecord:
    nodes = [node for element in group for node in xml_nodes(element)]
    return RawRecord(str(file), position, EdmRecord(nodes, index, header_id), key or header_id)
