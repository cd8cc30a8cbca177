"""DPLA MAP items (Digital Public Library of America): API answers, Elasticsearch documents, bulk JSON Lines.

DPLA's API answers `{"docs": [item, ...]}` (or one item); its bulk downloads are JSON Lines, one
Elasticsearch document per line with the item under `_source`; an Elasticsearch search answer holds
them under `hits.hits`. All of these, a list of items and one item per file are read. A folder is read
file by file (*.json, *.jsonl, *.ndjson).

An item is an `ore:Aggregation`: the described object is its `sourceResource`, the holding institution
its `dataProvider` (the museum), the hub that delivered it `provider`. DPLA catalogues in English and
does not tag languages: text values get the adapter's `lang` ("en"); names and dates stay untagged.

`sourceResource.spatial` is the place a record is about (MAP's dcterms:spatial, geocoded by DPLA): where a
photograph was taken and what it shows ("religious facilities: Saint Vincent Center"), the town a
panoramic map draws (printed in Boston), a newspaper's county. It is a subject, never the place the
object was made: DPLA has no field that says where an object was made, so no item gets a `place`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from museumvqa.catalog.adapters.base import Adapter, RawRecord, RecordRejected
from museumvqa.catalog.readers.textio import head_text, iter_json
from museumvqa.catalog.schema import Exhibit, ImageRef, Person, clean_text, is_placeholder_id, make_exhibit_id, slug
from museumvqa.catalog.years import leading_year
from museumvqa.errors import UserError

_SUFFIXES = (".json", ".jsonl", ".ndjson")
_MARKERS = ('"sourceResource"', "dp.la/api/items")
_NOT_DPLA = ('"europeanaAggregation"', '"edmIsShownBy"', '"descriptiveNonRepeating"')  # EDM, Smithsonian EDAN
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
# ARTstor's "Job, Herbert Keightley (photographer, American, 1864-1933), American".
_NOTE = re.compile(r"^(?P<name>[^()]+?)\s*\((?P<note>[^()]*\d{4}[^()]*)\)\s*(?:,\s*[^,()]*)?$")
# A catalogue heading's life dates: "Bailey, Oakley H., 1843-1947".
_HEADING_DATES = re.compile(r"^(?P<name>.+?),\s*(?P<born>\d{4})\s*-\s*(?P<died>\d{4})?\.?$")
_LIFE = re.compile(r"^(?P<born>\d{4})\s*-\s*(?P<died>\d{4})?$")
_MAX_TYPE_WORDS = 6  # a format longer than this is a note ("Scanned at 600ppi with ..."), not an object type


class DplaAdapter(Adapter):
    """DPLA items. `museum` overrides the data provider; `lang` is the language of untagged text values."""

    name = "dpla"

    def __init__(self, museum: str | None = None, lang: str | None = "en") -> None:
        self.museum = museum
        self.lang = lang

    @classmethod
    def detect(cls, path: Path) -> bool:
        if path.is_dir():
            return any(_is_dpla(file) for file in _files(path)[:5])
        return _is_dpla(path)

    def read(self, path: Path) -> Iterator[RawRecord]:
        files = _files(path) if path.is_dir() else [path]
        if not files:
            raise UserError(f"{path}: no *.json, *.jsonl or *.ndjson files")
        for file in files:
            position = 0
            for _, data, error in iter_json(file):
                for item in _items(data) if error is None else [None]:
                    if error is not None:
                        yield RawRecord(str(file), position, None, None, error)
                    else:
                        yield RawRecord(str(file), position, item, _item_id(item) if isinstance(item, dict) else None)
                    position += 1

    def to_exhibit(self, record: RawRecord) -> Exhibit:
        item = record.data
        if not isinstance(item, dict) or not isinstance(item.get("sourceResource"), dict):
            raise RecordRejected("sourceResource", "not a DPLA item (no sourceResource object)")
        source: dict[str, Any] = item["sourceResource"]
        local_id = _item_id(item)
        if local_id is None:
            raise RecordRejected("id", "item has no usable id (no id, @id or _id)")
        titles, descriptions = _texts(source.get("title")), _texts(source.get("description"))
        if not titles and not descriptions:
            raise RecordRejected("sourceResource.title", "item has neither a title nor a description")
        museum = self.museum or slug(_name(item.get("dataProvider"))) or slug(_name(item.get("provider"))) or "dpla"
        ex = Exhibit(make_exhibit_id(museum, local_id), museum, self.name, f"{record.source_path}#{record.position}")
        for attribute, values in (("title", titles), ("description", descriptions)):
            for text in values:
                ex.add(attribute, text, lang=self.lang)
        for name in _texts(source.get("creator")):
            person = _person(name)
            ex.add("creator", person.name, lang=None, role=person.role)
            ex.people.append(person)
        for name in _texts(source.get("contributor")):
            ex.people.append(_person(name)._replace(role="contributor"))
        self._add_date(ex, source)
        self._add_formats(ex, source)
        for attribute, key in (("subject", "subject"), ("subject", "spatial"), ("department", "collection")):
            for text in _names(source.get(key)):
                ex.add(attribute, text, lang=self.lang)
        for attribute, key in (("classification", "type"), ("medium", "physicalMedium"), ("dimensions", "extent")):
            for text in _texts(source.get(key)):
                ex.add(attribute, text, lang=self.lang)
        rights = [r for r in _texts(source.get("rights")) if not _is_uri(r)]
        ex.rights = "; ".join(rights) or None
        statements = [r for r in _texts(item.get("rights")) + _texts(source.get("rights")) if _is_uri(r)]
        ex.licence = statements[0] if statements else None
        ex.url = next(iter(_links(item.get("isShownAt"))), None)
        ex.images.extend(_images(item, ex.licence))
        return ex

    def _add_date(self, ex: Exhibit, source: dict[str, Any]) -> None:
        """displayDate as written; begin/end years where given, else the years the text names."""
        dates = source.get("date")
        for date in dates if isinstance(dates, list) else [dates]:
            if isinstance(date, str):
                date = {"displayDate": date}
            if not isinstance(date, dict) or clean_text(date.get("displayDate")) is None:
                continue
            text = clean_text(date["displayDate"]) or ""
            years = [int(y) for y in _YEAR.findall(text)]
            begin = leading_year(clean_text(date.get("begin"))) or min(years, default=None)
            end = leading_year(clean_text(date.get("end"))) or max(years, default=None)
            ex.add("date", text, lang=self.lang)
            ex.date_begin, ex.date_end = begin, end
            return

    def _add_formats(self, ex: Exhibit, source: dict[str, Any]) -> None:
        """`format` mixes object types ("Photographic prints"), dimensions and digitisation notes."""
        for text in _texts(source.get("format")):
            if text.lower().startswith("dimensions"):
                ex.add("dimensions", text, lang=self.lang)
            elif len(text.split()) <= _MAX_TYPE_WORDS and "/" not in text:  # not a note, not a MIME type
                ex.add("object_type", text, lang=self.lang)


def _files(folder: Path) -> list[Path]:
    return sorted(
        f for f in folder.rglob("*") if f.suffix.lower() in _SUFFIXES and f.is_file() and not f.name.startswith(".")
    )


def _is_dpla(file: Path) -> bool:
    if file.suffix.lower() not in _SUFFIXES and head_text(file, 64).lstrip()[:1] not in ("{", "["):
        return False
    head = head_text(file, 16384)
    return any(m in head for m in _MARKERS) and not any(m in head for m in _NOT_DPLA)


def _items(data: Any) -> list[Any]:
    """The items of one JSON value: an API answer's docs, a search answer's hits, an ES document's _source."""
    if isinstance(data, list):
        return [i for d in data for i in _items(d)]
    if not isinstance(data, dict):
        return [data]
    if isinstance(data.get("docs"), list):
        return [i for d in data["docs"] for i in _items(d)]
    hits = data.get("hits")
    if isinstance(hits, dict) and isinstance(hits.get("hits"), list):
        return [i for d in hits["hits"] for i in _items(d)]
    if isinstance(data.get("_source"), dict):
        return [data["_source"]]
    return [data]


def _item_id(item: dict[str, Any]) -> str | None:
    """DPLA's item id: `id`, else the last part of `@id` (http://dp.la/api/items/<id>), else the ES `_id`."""
    at_id = clean_text(item.get("@id")) if isinstance(item.get("@id"), str) else None
    for candidate in (item.get("id"), at_id.rsplit("/", 1)[-1] if at_id else None, item.get("_id")):
        text = clean_text(candidate) if isinstance(candidate, str) else None
        if not is_placeholder_id(text):
            return text
    return None


def _texts(value: Any) -> list[str]:
    """A string or a list of strings, cleaned; anything else (objects, numbers in odd places) is skipped."""
    values = value if isinstance(value, list) else [value]
    return [t for v in values if isinstance(v, str) and (t := clean_text(v)) is not None]


def _names(value: Any) -> list[str]:
    """Names of subject/spatial objects ({"name": ...}) or collections ({"title": ...}), or plain strings."""
    out: list[str] = []
    for v in value if isinstance(value, list) else [value]:
        if isinstance(v, dict):
            out.extend(_texts(v.get("name")) or _texts(v.get("title")))
        else:
            out.extend(_texts(v))
    return out


def _name(value: Any) -> str | None:
    """A dataProvider / provider as a name: a string, a list's first, or an object's `name`."""
    names = _names(value)
    return names[0] if names else None


def _links(value: Any) -> list[str]:
    """URLs written as a string, a list, or objects with `@id`."""
    out: list[str] = []
    for v in value if isinstance(value, list) else [value]:
        link = v.get("@id") if isinstance(v, dict) else v
        text = clean_text(link) if isinstance(link, str) else None
        if text and text not in out:
            out.append(text)
    return out


def _is_uri(text: str) -> bool:
    """A rights statement's URI (rightsstatements.org, creativecommons.org), not a sentence that names one."""
    return text.startswith(("http://", "https://")) and " " not in text


def _person(text: str) -> Person:
    """A creator heading as a person: a bracketed note (role, nationality, life dates) or trailing life dates.

    A bracketed note without life dates ("Paducah sun (Paducah, Ky. : 1898)", a newspaper's place and
    founding year) is part of the heading, kept as written.
    """
    note = _NOTE.match(text)
    parts = [p.strip() for p in note["note"].split(",")] if note is not None else []
    life = next((m for p in parts if (m := _LIFE.match(p)) is not None), None)
    if note is not None and life is not None:
        words = [p for p in parts if p and not any(c.isdigit() for c in p)]
        return Person(
            name=note["name"].strip(" ,"),
            role=words[0] if len(words) > 1 else None,
            birth_year=int(life["born"]),
            death_year=int(life["died"]) if life["died"] else None,
            nationality=words[-1] if len(words) > 1 else None,
        )
    heading = _HEADING_DATES.match(text)
    if heading is not None:
        died = heading["died"]
        return Person(heading["name"], birth_year=int(heading["born"]), death_year=int(died) if died else None)
    return Person(text)


def _images(item: dict[str, Any], licence: str | None) -> Iterator[ImageRef]:
    """Full views (mediaMaster, hasView) where the item has them; else its `object`, a thumbnail."""
    views = _links(item.get("mediaMaster")) + [u for u in _links(item.get("hasView")) if u]
    uris = list(dict.fromkeys(views)) or _links(item.get("object"))
    for n, uri in enumerate(uris):
        yield ImageRef(
            uri, "primary" if n == 0 else "additional", "main view" if n == 0 else f"additional view {n}", licence
        )
