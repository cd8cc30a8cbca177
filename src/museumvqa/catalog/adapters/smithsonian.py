"""Smithsonian Open Access (EDAN `edanmdm` records): the bulk dumps' JSON Lines, plain or `.bz2`, and API JSON.

The Open Access dumps (`metadata/objects/<UNIT>/*.txt.bz2`) hold one EDAN record per line; they are
large, so `.bz2` files are decompressed as a stream, line by line. Also read: a JSON Lines file, one
record (`{"content": ...}`), a list of records, and the Open Access API's answers (`{"response":
{"rows": [...]}}` for a search, `{"response": {record}}` for one record). A folder is read file by file.

Each record's `unitCode` (SAAM, NMAH, CHNDM, NPG, FSG, ...) names the museum: the Smithsonian is
nineteen museums and archives, and a question about "the museum" must name the unit that holds it.
EDAN catalogues in English and does not tag languages; a value written in another script (a
Japanese book title) gets that script's language, or "und" when the script does not say.
"""

from __future__ import annotations

import bz2
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from museumvqa.catalog.adapters.base import Adapter, RawRecord, RecordRejected
from museumvqa.catalog.attribution import MAKER, display_attribution, is_organisation, is_unknown, qualifier_kind
from museumvqa.catalog.readers.fastjson import parse_exact
from museumvqa.catalog.readers.textio import head_text, iter_json
from museumvqa.catalog.schema import Exhibit, ImageRef, Person, clean_text, is_placeholder_id, make_exhibit_id, slug
from museumvqa.errors import UserError

_MARKERS = ('"descriptiveNonRepeating"', '"edanmdm')
_SUFFIXES = (".bz2", ".json", ".jsonl", ".ndjson", ".txt")
# Identifier labels that name one object, best first ("accession number" at NMAH names a whole lot).
_OBJECT_NUMBER = ("object number", "id number", "inventory number", "accession number", "catalog number")
# freetext.name labels of people and firms that made the object (EDAN mixes them with sitters, donors, users).
_MAKER_LABEL = re.compile(
    r"\b(artists?|makers?|manufacturer|designers?|creators?|created by|authors?|photographers?|printers?|"
    r"print ?makers?|printmakers?|publishers?|engravers?|sculptors?|architects?|potters?|weavers?|illustrators?|"
    r"painters?|draughtsm[ae]n|draftsm[ae]n|inventors?|builders?|carvers?|silversmiths?|goldsmiths?|jewell?ers?|"
    r"lithographers?|etchers?|embroiderers?|quilters?|manufactured by|made by|factory|workshop|studio|foundry)\b",
    re.IGNORECASE,
)
# Labels of firms: the maker is an organisation whatever its name looks like.
_FIRM_LABEL = re.compile(r"\b(manufacturer|manufactured by|factory|company|foundry|publisher)\b", re.IGNORECASE)
# "Charles Nicolas Ransonnette, French, 1793 - 1877", "Art Blakey, American, 1919 - 1990",
# "Vic Firth Company, American, founded 1963", "J. Francis Murphy, born 1853".
_BIO = re.compile(
    r"^(?P<name>.+?),\s*(?:(?P<nationality>[A-Z][\w'\- ]{2,40}?),\s*)?"
    r"(?P<dates>(?:born|died|founded|established|active|ca\.|c\.|b\.|d\.)\s.*|\d{3,4}\s*[-–]\s*(?:ca\.\s*)?\d{3,4}.*)$"
)
_LIFE = re.compile(r"^(?P<born>\d{3,4})\s*[-–]\s*(?P<died>\d{3,4})$")
_YEAR = re.compile(r"(?<!\d)(\d{3,4})(s?)(?!\d)")
_CENTURY = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\s+century\b", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_NMAH_PART = re.compile(r"^(?P<text>.+?)\s*\((?P<part>[^()]*?)\s*(?P<kind>material|production method/technique|color)\)$")
_DESCRIPTION = ("description", "summary", "description (brief)", "brief description", "label text", "general")
_NOT_ORIGIN = re.compile(r"\b(purchased|used|collected|found|associated|depicted|referenced|sold|owned|exhibited)\b", re.I)


def script_lang(text: str) -> str:
    """'en' for Latin text (EDAN's cataloguing language); 'ja'/'ko' by script; 'und' for other scripts."""
    letters = [c for c in text if c.isalpha()]
    if not letters or sum(c.isascii() or "\u00c0" <= c <= "\u024f" for c in letters) * 2 > len(letters):
        return "en"
    if any("\u3040" <= c <= "\u30ff" for c in letters):
        return "ja"
    if any("\uac00" <= c <= "\ud7af" for c in letters):
        return "ko"
    return "und"


def plain(text: Any) -> str | None:
    """EDAN text without its HTML markup ('<i>Sesame Street</i>', '&amp;')."""
    value = clean_text(text)
    if value is None or ("<" not in value and "&" not in value):
        return value
    return clean_text(_TAG.sub("", value).replace("&amp;", "&").replace("&quot;", '"').replace("&#39;", "'"))


def year_range(text: str | None) -> tuple[int | None, int | None]:
    """'ca. 1880-1890' -> (1880, 1890), '1980s' -> (1980, 1989), '19th century' -> (1801, 1900)."""
    years = [(int(y), bool(s)) for y, s in _YEAR.findall(text or "")]
    if years:
        end, decade = years[-1]
        return years[0][0], end + 9 if decade else end
    centuries = [int(c) for c in _CENTURY.findall(text or "")]
    if centuries:
        return (centuries[0] - 1) * 100 + 1, centuries[-1] * 100
    return None, None


def _entries(section: dict[str, Any], key: str) -> list[tuple[str, str]]:
    """(label lower-cased, content) of a freetext list such as `name` or `physicalDescription`."""
    out = []
    for entry in section.get(key) or []:
        if isinstance(entry, dict):
            text = plain(entry.get("content"))
            if text is not None:
                out.append(((clean_text(entry.get("label")) or "").lower(), text))
    return out


def _strings(section: dict[str, Any], key: str) -> list[str]:
    """An indexedStructured list: plain strings, or {content, type} objects in newer records."""
    out = []
    for item in section.get(key) or []:
        text = plain(item.get("content") if isinstance(item, dict) else item)
        if text is not None:
            out.append(text)
    return out


def _organisations(indexed: dict[str, Any]) -> set[str]:
    """Names that indexedStructured types as corporate ({"type": "corporate_main", "content": ...})."""
    names = set()
    for item in indexed.get("name") or []:
        if isinstance(item, dict) and re.search(r"corporate|organi[sz]ation|group", str(item.get("type")), re.I):
            text = plain(item.get("content"))
            if text:
                names.add(text)
    return names


class SmithsonianAdapter(Adapter):
    """EDAN object records; each unit's code, as a slug ("nmah"), names the museum (`--museum` renames it)."""

    name = "smithsonian"

    @classmethod
    def detect(cls, path: Path) -> bool:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(_SUFFIXES))
            return bool(files) and _looks_like_edan(files[0])
        return _looks_like_edan(path)

    def read(self, path: Path) -> Iterator[RawRecord]:
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(_SUFFIXES)) if path.is_dir() else [path]
        if not files:
            raise UserError(f"{path}: no EDAN files (*.txt.bz2, *.json, *.jsonl)")
        for file in files:
            items = _bz2_lines(file) if file.suffix == ".bz2" else iter_json(file)
            position = 0
            for _, data, error in items:
                for record in _records(data) if error is None else [None]:
                    yield RawRecord(str(file), position, record, _record_id(record), error)
                    position += 1

    def to_exhibit(self, record: RawRecord) -> Exhibit:
        o = record.data
        if not isinstance(o, dict):
            raise RecordRejected(None, f"record is a JSON {type(o).__name__}, not an object")
        content = o.get("content") if isinstance(o.get("content"), dict) else {}
        dnr = content.get("descriptiveNonRepeating")
        if not isinstance(dnr, dict):
            raise RecordRejected("descriptiveNonRepeating", "record has no content.descriptiveNonRepeating (not EDAN)")
        free = content.get("freetext") if isinstance(content.get("freetext"), dict) else {}
        indexed = content.get("indexedStructured") if isinstance(content.get("indexedStructured"), dict) else {}
        unit = clean_text(o.get("unitCode")) or clean_text(dnr.get("unit_code"))
        museum = slug(unit) or "smithsonian"
        accession = _accession(free, dnr, o, unit)
        if accession is None:
            raise RecordRejected("record_ID", "record has no object number, record_ID or id")
        licence = _licence(dnr.get("metadata_usage"))
        ex = Exhibit(
            exhibit_id=make_exhibit_id(museum, accession),
            museum=museum,
            source_adapter=self.name,
            source_path=f"{record.source_path}#{record.position}",
            licence=licence,
            rights="; ".join(text for _, text in _entries(free, "objectRights")) or None,
            url=clean_text(dnr.get("record_link")) or clean_text(dnr.get("guid")),
        )
        title = dnr.get("title")
        title = plain(title.get("content") if isinstance(title, dict) else title) or plain(o.get("title"))
        for text in [title] + [t for _, t in _entries(free, "title")]:
            if text:
                ex.add("title", text, lang=script_lang(text))
        self._add_dates(ex, free, indexed)
        self._add_physical(ex, free)
        for _, text in _entries(free, "objectType"):
            ex.add("object_type", text)
        for text in _strings(indexed, "object_type"):
            ex.add("classification", text)
        origin = [text for label, text in _entries(free, "place") if not _NOT_ORIGIN.search(label)]
        for text in origin or _strings(indexed, "place"):
            ex.add("place", text)
        for text in _strings(indexed, "culture") + [t for _, t in _entries(free, "culture")]:
            ex.add("culture", text)
        for text in _strings(indexed, "topic"):
            ex.add("subject", text)
        for label, text in _entries(free, "setName"):  # not "Exhibition" / "Exhibition Location"
            if label == "see more items in":
                ex.add("department", text)
            elif label == "classification":
                ex.add("classification", text)
        for _, text in _entries(free, "creditLine"):
            ex.add("credit_line", text)
        for label, text in _entries(free, "notes"):
            if label in _DESCRIPTION:
                ex.add("description", text)
            elif label.startswith("inscription"):
                ex.add("inscription", text)
        self._add_people(ex, free, indexed)
        ex.images.extend(_images(dnr))
        return ex

    @staticmethod
    def _add_dates(ex: Exhibit, free: dict[str, Any], indexed: dict[str, Any]) -> None:
        """The date the object was made (`freetext.date`), else the decades EDAN indexes ('1820s', '1840s')."""
        dates = _entries(free, "date")
        made = [text for label, text in dates if label in ("date", "date made", "date of production", "created")]
        text = (made or [text for _, text in dates] or [None])[0]
        if text is not None:
            ex.set_date(text, *year_range(text))
            return
        decades = _strings(indexed, "date")
        if decades:
            begin, _ = year_range(decades[0])
            _, end = year_range(decades[-1])
            ex.set_date(decades[0] if len(decades) == 1 else f"{decades[0]}–{decades[-1]}", begin, end)

    @staticmethod
    def _add_physical(ex: Exhibit, free: dict[str, Any]) -> None:
        """Medium and dimensions by label; NMAH's 'paper (overall material)' parts by the kind they name."""
        for label, text in _entries(free, "physicalDescription"):
            if "dimension" in label or "measurement" in label:
                ex.add("dimensions", text)
            elif label in ("medium", "materials", "media/materials", "material"):
                ex.add("medium", text)
            elif label in ("technique", "techniques"):
                ex.add("technique", text)
            elif label == "physical description":
                part = _NMAH_PART.match(text)
                if part and part["kind"] != "color" and part["part"] in ("overall", ""):
                    ex.add("medium" if part["kind"] == "material" else "technique", part["text"])

    @staticmethod
    def _add_people(ex: Exhibit, free: dict[str, Any], indexed: dict[str, Any]) -> None:
        """Makers become creators and people; other named parties (sitters, users, donors) people only."""
        firms = _organisations(indexed)
        for label, text in _entries(free, "name"):
            person = _person(text, label, firms)
            role = label.capitalize() if label else None
            qualifier = role if role and qualifier_kind(role) != MAKER else None
            if qualifier or _MAKER_LABEL.search(label):
                ex.add("creator", display_attribution(person.name, qualifier), lang=None, role=role)
            if not is_unknown(person.name):
                ex.people.append(person._replace(role=role, qualifier=qualifier))


def _looks_like_edan(path: Path) -> bool:
    try:
        head = bz2.open(path).read(8192).decode("utf-8", "replace") if path.suffix == ".bz2" else head_text(path)
    except (OSError, EOFError, ValueError):
        return False
    return any(marker in head for marker in _MARKERS)


def _bz2_lines(path: Path) -> Iterator[tuple[int, Any, str | None]]:
    """(position, record, error) per line of a bzip2-compressed JSON Lines file, decompressed as it is read."""
    try:
        with bz2.open(path, "rb") as f:
            for position, line in enumerate(f):
                if not line.strip():
                    continue
                try:
                    yield position, parse_exact(line), None
                except orjson.JSONDecodeError:
                    try:
                        yield position, json.loads(line.decode("utf-8")), None
                    except (UnicodeDecodeError, json.JSONDecodeError) as e:
                        yield position, None, f"not valid JSON ({e})"
    except (OSError, EOFError) as e:
        raise UserError(f"{path}: cannot read as bzip2 ({e})") from None


def _records(data: Any) -> list[Any]:
    """The EDAN records in one parsed item: the item itself, an API answer's rows, or its single record."""
    if isinstance(data, dict) and isinstance(data.get("response"), dict):
        response = data["response"]
        rows = response.get("rows")
        return list(rows) if isinstance(rows, list) else [response]
    return [data]


def _record_id(record: Any) -> str | None:
    if not isinstance(record, dict):
        return None
    content = record.get("content") if isinstance(record.get("content"), dict) else {}
    dnr = content.get("descriptiveNonRepeating") if isinstance(content.get("descriptiveNonRepeating"), dict) else {}
    return clean_text(dnr.get("record_ID")) or clean_text(record.get("id"))


def _accession(free: dict[str, Any], dnr: dict[str, Any], o: dict[str, Any], unit: str | None) -> str | None:
    """The object's own number by identifier label, else the record_ID without its unit prefix ('nmah_')."""
    numbers = {label: text for label, text in reversed(_entries(free, "identifier"))}
    for label in _OBJECT_NUMBER:
        if not is_placeholder_id(numbers.get(label)):
            return numbers[label]
    record_id = clean_text(dnr.get("record_ID")) or clean_text(o.get("id"))
    if is_placeholder_id(record_id):
        return None
    prefix = f"{(unit or '').lower()}_"
    return record_id[len(prefix):] if prefix != "_" and record_id.lower().startswith(prefix) else record_id


def _person(text: str, label: str, firms: set[str]) -> Person:
    """A name entry with its biography parsed: nationality, life years; firms (by label, type or name) as organisations."""
    bio = _BIO.match(text)
    name, nationality, dates = (bio["name"], bio["nationality"], bio["dates"]) if bio else (text, None, "")
    born = died = None
    life = _LIFE.match(dates.strip())
    if life:
        born, died = int(life["born"]), int(life["died"])
    elif dates.lower().startswith(("born ", "b. ")):
        born = year_range(dates)[0]
    firm = (
        name in firms
        or text in firms
        or bool(_FIRM_LABEL.search(label))
        or dates.lower().startswith(("founded", "established"))
        or is_organisation(name)
    )
    kind = "organisation" if firm else ("person" if born or died else None)
    if kind == "organisation":
        born = died = None  # a firm's founding year is not a birth
    return Person(name=name, nationality=clean_text(nationality), birth_year=born, death_year=died, kind=kind)


def _licence(usage: Any) -> str | None:
    access = clean_text(usage.get("access")) if isinstance(usage, dict) else None
    return "CC0-1.0" if access == "CC0" else access


def _images(dnr: dict[str, Any]) -> list[ImageRef]:
    """Every image of `online_media`, in the record's order: the first is the main view."""
    media = dnr.get("online_media") if isinstance(dnr.get("online_media"), dict) else {}
    images: list[ImageRef] = []
    for item in media.get("media") or []:
        if not isinstance(item, dict) or (clean_text(item.get("type")) or "Images") != "Images":
            continue
        uri = clean_text(item.get("content")) or clean_text(item.get("thumbnail"))
        if uri is None:
            continue
        role = "primary" if not images else "additional"
        view = plain(item.get("caption")) or ("main view" if role == "primary" else f"additional view {len(images)}")
        images.append(ImageRef(uri, role, view, _licence(item.get("usage"))))
    return images
