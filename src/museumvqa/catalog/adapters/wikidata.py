"""Wikidata artworks: SPARQL query results (JSON) or entity JSON (`Special:EntityData`, `wbgetentities`).

**SPARQL results** (`{"head": {"vars": [...]}, "results": {"bindings": [...]}}`) of a query for the
artworks of one collection, such as this one (Rijksmuseum, Q190804; any variable may be missing):

    SELECT ?item ?itemLabel ?itemDescription ?creator ?creatorLabel ?inception ?material ?materialLabel
           ?collection ?collectionLabel ?inventory ?image ?type ?typeLabel ?genreLabel ?countryLabel WHERE {
      ?item wdt:P195 wd:Q190804 ; wdt:P31 ?type .
      OPTIONAL { ?item wdt:P170 ?creator . }
      OPTIONAL { ?item wdt:P571 ?inception . }
      OPTIONAL { ?item wdt:P186 ?material . }
      OPTIONAL { ?item p:P217 [ ps:P217 ?inventory ; pq:P195 ?collection ] . }
      OPTIONAL { ?item wdt:P18 ?image . }
      OPTIONAL { ?item wdt:P136 ?genre . }
      OPTIONAL { ?item wdt:P495 ?country . }
      SERVICE wikibase:label { bd:serviceParam wikibase:language "[AUTO_LANGUAGE],en". }
    }

A multi-valued property repeats the item's row (two materials, two rows); rows are grouped by item,
so the whole result is read at once (query results are bounded by the endpoint; a collection's
artworks are tens of thousands of rows at most). Literals keep their `xml:lang`.

**Entity JSON** (`{"entities": {"Q...": {labels, descriptions, claims}}}`), one file or a folder of
them: an entity with a collection (P195), an inventory number (P217) or a creator (P170) is an
artwork record; every other entity (a painter, a material, a museum) is read first and kept (memory
grows with them, not with the artworks, which are read again file by file) for its labels in every
language and for a creator's birth, death and nationality (the demonym, P1549, of the country of
citizenship, P27). An id whose entity is not in the input stays as its label ("Q296955"), so nothing
the record says is lost.
Labels become titles in each of their languages. P18 image file names become Commons URLs.
A creator that is "unknown value" or the item anonymous (Q4233718) names no one, but its "workshop of",
"after a work by" ... qualifiers (P1774, P1877, ...) do ("Workshop of Rembrandt"), as painting items state them.

Controlled values keep their Wikidata id in `Value.uri` (`role` is only a creator's role; a creator's
id is its `Person.person_id`). Wikidata is CC0 (licence "CC0-1.0").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from museumvqa.catalog.adapters.base import Adapter, RawRecord, RecordRejected
from museumvqa.catalog.attribution import display_attribution, is_unknown
from museumvqa.catalog.readers.textio import head_text, loads
from museumvqa.catalog.schema import Exhibit, ImageRef, Person, clean_text, make_exhibit_id, slug
from museumvqa.errors import UserError

ENTITY = "http://www.wikidata.org/entity/"
COMMONS_FILE = "https://commons.wikimedia.org/wiki/Special:FilePath/"
LICENCE = "CC0-1.0"
ARTWORK_PROPERTIES = ("P195", "P217", "P170")
_QID = re.compile(r"^(?:https?://www\.wikidata\.org/(?:entity|wiki)/)?(Q\d+)$")
_HUMAN = "Q5"
_ORGANISATIONS = frozenset({"Q43229", "Q4830453", "Q783794", "Q891723", "Q6881511", "Q16917", "Q1785733"})
_ATTRIBUTED = {"Q230768": "Attributed to", "Q18122778": "Presumably"}  # P5102 "nature of statement" on a creator
# The item "anonymous": a creator nobody knows. Painting items state it as P170's value, or as the role
# (P3831) of an "unknown value" creator, with the person the maker is related to in a qualifier below.
ANONYMOUS = "Q4233718"
# Qualifiers of an unknown or uncertain creator that name the person it is related to, as catalogues write them.
_RELATED_TO = {
    "P1773": "Attributed to", "P1779": "Possibly by", "P1774": "Workshop of", "P1780": "School of",
    "P1776": "Circle of", "P1775": "Follower of", "P1777": "Manner of", "P1877": "After",
}
_CIRCA = "Q5727902"  # P1480 "sourcing circumstances" of a date: circa
_LENGTH_UNITS = {"Q174728": "cm", "Q174789": "mm", "Q11573": "m", "Q218593": "in"}
_PRECISION_YEAR, _PRECISION_DECADE, _PRECISION_CENTURY = 9, 8, 7


def qid(value: Any) -> str | None:
    """'Q12418' from an entity URI or id; None for blank nodes and other values."""
    match = _QID.match(value.strip()) if isinstance(value, str) else None
    return match[1] if match else None


def commons_url(file_name: str) -> str:
    """A Commons file name ('Mona Lisa.jpg') as the URL that serves the file."""
    return COMMONS_FILE + quote(file_name.replace(" ", "_"))


class WikidataAdapter(Adapter):
    """Wikidata artworks; `museum` names the collection (else the item's collection label)."""

    name = "wikidata"

    def __init__(self, museum: str | None = None) -> None:
        self.museum = museum
        self.entities: dict[str, dict[str, Any]] = {}

    @classmethod
    def detect(cls, path: Path) -> bool:
        files = sorted(path.glob("*.json"))[:20] if path.is_dir() else [path]
        return any(_kind(head_text(f)) is not None for f in files if f.is_file())

    def read(self, path: Path) -> Iterator[RawRecord]:
        files = sorted(path.rglob("*.json")) if path.is_dir() else [path]
        if not files:
            raise UserError(f"{path}: no Wikidata JSON files")
        self.entities = {}
        for file in files:  # first pass: the entities artworks refer to (people, materials, places)
            data = _load(file)
            if isinstance(data, dict) and isinstance(data.get("entities"), dict):
                self.entities.update(
                    {k: v for k, v in data["entities"].items() if isinstance(v, dict) and not _is_artwork(v)}
                )
        for file in files:
            data = _load(file)
            if isinstance(data, dict) and isinstance(data.get("results"), dict):
                yield from _sparql_records(file, data)
            elif isinstance(data, dict) and isinstance(data.get("entities"), dict):
                position = 0
                for key, entity in data["entities"].items():
                    if isinstance(entity, dict) and _is_artwork(entity):
                        yield RawRecord(str(file), position, {"entity": entity}, key)
                        position += 1
            else:
                raise UserError(f"{file}: neither SPARQL results (head/results) nor Wikidata entities")

    def to_exhibit(self, record: RawRecord) -> Exhibit:
        data = record.data
        if isinstance(data, dict) and "rows" in data:
            return self._from_rows(record, data["item"], data["rows"])
        if isinstance(data, dict) and isinstance(data.get("entity"), dict):
            return self._from_entity(record, data["entity"])
        raise RecordRejected(None, "record is neither SPARQL rows nor a Wikidata entity")

    # ---- SPARQL results ---------------------------------------------------------------------------

    def _from_rows(self, record: RawRecord, item: str, rows: list[dict[str, Any]]) -> Exhibit:
        item_id = qid(item)
        collections = [text for _, text, _ in _pairs(rows, "collection", "collectionLabel")]
        museum = self.museum or slug(collections[0] if collections else None) or "wikidata"
        inventory = next((text for _, text, _ in _pairs(rows, None, "inventory")), None) or item_id
        if not inventory:
            raise RecordRejected("item", "row has no Wikidata item")
        ex = self._exhibit(record, museum, inventory, item_id)
        for _, text, lang in _pairs(rows, None, "itemLabel"):
            if text != item_id:  # the label service answers the id itself when no label exists
                ex.add("title", text, lang=lang or "und")
        for _, text, lang in _pairs(rows, None, "itemDescription"):
            ex.add("description", text, lang=lang or "und")
        for uri, name, _ in _pairs(rows, "creator", "creatorLabel"):
            creator_id = qid(uri)
            if creator_id is None or creator_id == ANONYMOUS:  # "unknown value" (a blank node) or "anonymous"
                continue
            name = name if name and not name.startswith(ENTITY) else creator_id
            ex.add("creator", name, lang=None, uri=ENTITY + creator_id)
            if not is_unknown(name):
                ex.people.append(Person(name=name, person_id=ENTITY + creator_id))
        for _, text, _ in _pairs(rows, None, "inception")[:1]:
            year = _year_of(text)
            ex.set_date(str(year) if year is not None else text, year, year)
        for id_var, label_var, attribute in (("material", "materialLabel", "medium"), ("type", "typeLabel", "object_type"),
                                             ("instance", "instanceLabel", "object_type"),
                                             ("genre", "genreLabel", "classification"),
                                             ("country", "countryLabel", "place")):
            for uri, text, lang in _pairs(rows, id_var, label_var):
                ex.add(attribute, text, lang=lang if text != qid(uri) else None, uri=uri)
        for n, (_, uri, _) in enumerate(_pairs(rows, None, "image")):
            ex.images.append(ImageRef(uri, "primary" if n == 0 else "additional", None, None))
        return ex

    # ---- entity JSON ------------------------------------------------------------------------------

    def _from_entity(self, record: RawRecord, entity: dict[str, Any]) -> Exhibit:
        item_id = clean_text(entity.get("id")) or record.record_id
        claims = entity.get("claims") if isinstance(entity.get("claims"), dict) else {}
        collection = _current_collection(claims)
        museum = self.museum or slug(self._label(collection)) or "wikidata"
        inventory = _inventory(claims, collection) or item_id
        if not inventory:
            raise RecordRejected("id", "entity has no id and no inventory number (P217)")
        ex = self._exhibit(record, museum, inventory, item_id)
        for lang, text in _languages(entity.get("labels")):
            ex.add("title", text, lang=lang)
        for snak in _values(claims, "P1476"):  # title, monolingual text
            if isinstance(snak, dict):
                ex.add("title", snak.get("text"), lang=clean_text(snak.get("language")) or "und")
        for lang, text in _languages(entity.get("descriptions")):
            ex.add("description", text, lang=lang)
        for claim in _claims(claims, "P170"):
            self._add_creator(ex, claim)
        _add_inception(ex, claims)
        for prop, attribute in (("P186", "medium"), ("P31", "object_type"), ("P136", "classification"),
                                ("P180", "subject"), ("P495", "place"), ("P135", "period")):
            for value in _values(claims, prop):
                self._add_item(ex, attribute, qid(_item_id(value)))
        ex.add("dimensions", _dimensions(claims), lang=None)
        for n, name in enumerate(v for v in _values(claims, "P18") if isinstance(v, str)):
            ex.images.append(ImageRef(commons_url(name), "primary" if n == 0 else "additional", None, None))
        return ex

    def _add_item(self, ex: Exhibit, attribute: str, item: str | None) -> None:
        """A controlled value in every language its entity is labelled in, else its id; the id in `uri`."""
        if item is None:
            return
        labels = _languages(self.entities.get(item, {}).get("labels"))
        for lang, text in labels or [(None, item)]:
            ex.add(attribute, text, lang=lang, uri=ENTITY + item)

    def _add_creator(self, ex: Exhibit, claim: dict[str, Any]) -> None:
        """A P170 statement: its creator, qualified by P5102; an unknown one only through whom it relates to."""
        snak = claim.get("mainsnak") if isinstance(claim.get("mainsnak"), dict) else {}
        value = (snak.get("datavalue") or {}).get("value") if snak.get("snaktype", "value") == "value" else None
        creator = qid(_item_id(value))
        qualifiers = claim.get("qualifiers") if isinstance(claim.get("qualifiers"), dict) else {}
        roles = [qid(_item_id(v)) for v in _qualifier_values(qualifiers, "P3831")]
        role = next((self._label(r) for r in roles if r and r != ANONYMOUS), None)
        if creator is None or creator == ANONYMOUS:  # "somevalue" / "novalue" / anonymous: no maker to name
            for prop, qualifier in _RELATED_TO.items():  # ... but "workshop of X", "after X" name someone
                for related in (qid(_item_id(v)) for v in _qualifier_values(qualifiers, prop)):
                    if related and related != ANONYMOUS:
                        self._add_maker(ex, related, qualifier, None)
            return
        nature = next((qid(_item_id(v)) for v in _qualifier_values(qualifiers, "P5102")), None)
        self._add_maker(ex, creator, _ATTRIBUTED.get(nature or ""), role)

    def _add_maker(self, ex: Exhibit, creator: str, qualifier: str | None, role: str | None) -> None:
        """The creator value as catalogues write it ("Workshop of Rembrandt") and the person, unless unknown."""
        name = self._label(creator) or creator
        ex.add("creator", display_attribution(name, qualifier), lang=None, role=role, uri=ENTITY + creator)
        if not is_unknown(name):
            ex.people.append(self._person(creator, name, role, qualifier))

    def _person(self, creator: str, name: str, role: str | None, qualifier: str | None) -> Person:
        """The creator with the facts of its entity when the input has it (birth, death, citizenship)."""
        claims = self.entities.get(creator, {}).get("claims") or {}
        kinds = {qid(_item_id(v)) for v in _values(claims, "P31")}
        kind = "person" if _HUMAN in kinds else "organisation" if kinds & _ORGANISATIONS else None
        place = lambda prop: self._label(next((qid(_item_id(v)) for v in _values(claims, prop)), None))  # noqa: E731
        return Person(
            name=name,
            role=role,
            person_id=ENTITY + creator,
            birth_year=next((_year_of(v.get("time")) for v in _values(claims, "P569") if isinstance(v, dict)), None),
            death_year=next((_year_of(v.get("time")) for v in _values(claims, "P570") if isinstance(v, dict)), None),
            birth_place=place("P19"),
            death_place=place("P20"),
            nationality=self._demonym(next((qid(_item_id(v)) for v in _values(claims, "P27")), None)),
            kind=kind,
            qualifier=qualifier,
        )

    def _demonym(self, country: str | None) -> str | None:
        """A nationality from the citizenship country's demonym (P1549, English first) when the input has it.

        The country's own name ("Netherlands") is not a nationality ("Dutch"): without a demonym, none.
        """
        claims = self.entities.get(country or "", {}).get("claims") or {}
        names = [v for v in _values(claims, "P1549") if isinstance(v, dict) and clean_text(v.get("text"))]
        names.sort(key=lambda v: v.get("language") != "en")
        return clean_text(names[0]["text"]) if names else None

    def _label(self, item: str | None, lang: str = "en") -> str | None:
        """An entity's label (English, else any language), else the id itself."""
        if item is None:
            return None
        labels = dict(_languages(self.entities.get(item, {}).get("labels")))
        return labels.get(lang) or next(iter(labels.values()), None) or item

    def _exhibit(self, record: RawRecord, museum: str, inventory: str, item_id: str | None) -> Exhibit:
        return Exhibit(
            exhibit_id=make_exhibit_id(museum, inventory),
            museum=museum,
            source_adapter=self.name,
            source_path=f"{record.source_path}#{record.position}",
            licence=LICENCE,
            url=f"https://www.wikidata.org/wiki/{item_id}" if item_id else None,
        )


def _kind(head: str) -> str | None:
    """'sparql' or 'entities' when the start of a file looks like Wikidata JSON, else None."""
    if '"head"' in head and '"vars"' in head and "wikidata.org/entity/" in head:
        return "sparql"
    if '"entities"' in head and re.search(r'"Q\d+"\s*:', head) and ('"claims"' in head or '"labels"' in head):
        return "entities"
    return None


def _load(path: Path) -> Any:
    try:
        return loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"{path}: cannot read ({e})") from None
    except json.JSONDecodeError as e:
        raise UserError(f"{path}: not valid JSON (line {e.lineno}: {e.msg})") from None


def _sparql_records(path: Path, data: dict[str, Any]) -> Iterator[RawRecord]:
    """One record per item, its rows in result order (an item's rows need not be adjacent)."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in data["results"].get("bindings") or []:
        cell = row.get("item") if isinstance(row, dict) else None
        item = clean_text(cell.get("value")) if isinstance(cell, dict) else None
        grouped.setdefault(item or "", []).append(row)
    for position, (item, rows) in enumerate(grouped.items()):
        yield RawRecord(str(path), position, {"item": item, "rows": rows}, qid(item) or item or None)


def _pairs(rows: list[dict[str, Any]], id_var: str | None, label_var: str) -> list[tuple[str | None, str, str | None]]:
    """Distinct (id, label, language) of a variable across an item's rows, in row order."""
    seen: dict[tuple[str | None, str, str | None], None] = {}
    for row in rows:
        cell = row.get(label_var)
        text = clean_text(cell.get("value")) if isinstance(cell, dict) else None
        if text is None:
            continue
        ident = row.get(id_var) if id_var else None
        seen[(clean_text(ident.get("value")) if isinstance(ident, dict) else None, text, cell.get("xml:lang"))] = None
    return list(seen)


def _is_artwork(entity: dict[str, Any]) -> bool:
    claims = entity.get("claims")
    return isinstance(claims, dict) and any(claims.get(p) for p in ARTWORK_PROPERTIES)


def _languages(labels: Any) -> list[tuple[str, str]]:
    """(language, text) of a labels/descriptions map ({"en": {"language": "en", "value": ...}})."""
    if not isinstance(labels, dict):
        return []
    out = []
    for lang, label in labels.items():
        text = clean_text(label.get("value")) if isinstance(label, dict) else None
        if text is not None:
            out.append((clean_text(label.get("language")) or lang, text))
    return out


def _claims(claims: dict[str, Any], prop: str) -> list[dict[str, Any]]:
    """A property's statements, best rank first, deprecated ones left out."""
    found = [c for c in claims.get(prop) or [] if isinstance(c, dict) and c.get("rank") != "deprecated"]
    return sorted(found, key=lambda c: c.get("rank") != "preferred")


def _values(claims: dict[str, Any], prop: str) -> list[Any]:
    """The datavalue values of a property's statements with a value."""
    out = []
    for claim in _claims(claims, prop):
        snak = claim.get("mainsnak") if isinstance(claim.get("mainsnak"), dict) else {}
        if snak.get("snaktype", "value") == "value" and isinstance(snak.get("datavalue"), dict):
            out.append(snak["datavalue"].get("value"))
    return out


def _qualifier_values(qualifiers: dict[str, Any], prop: str) -> list[Any]:
    return [q["datavalue"].get("value") for q in qualifiers.get(prop) or [] if isinstance(q, dict)
            and isinstance(q.get("datavalue"), dict)]


def _item_id(value: Any) -> str | None:
    """The id of a wikibase-entityid value ({"id": "Q5"} or {"numeric-id": 5})."""
    if isinstance(value, dict):
        if isinstance(value.get("id"), str):
            return value["id"]
        if value.get("numeric-id") is not None:
            return f"Q{value['numeric-id']}"
    return value if isinstance(value, str) else None


def _current_collection(claims: dict[str, Any]) -> str | None:
    """The collection (P195) without an end time (P582): who holds the work now."""
    for claim in _claims(claims, "P195"):
        qualifiers = claim.get("qualifiers") if isinstance(claim.get("qualifiers"), dict) else {}
        snak = claim.get("mainsnak") if isinstance(claim.get("mainsnak"), dict) else {}
        found = qid(_item_id((snak.get("datavalue") or {}).get("value")))
        if found and not qualifiers.get("P582"):
            return found
    return None


def _inventory(claims: dict[str, Any], collection: str | None) -> str | None:
    """The inventory number (P217) of the current collection (its P195 qualifier), else the first one."""
    numbers = []
    for claim in _claims(claims, "P217"):
        snak = claim.get("mainsnak") if isinstance(claim.get("mainsnak"), dict) else {}
        text = clean_text((snak.get("datavalue") or {}).get("value"))
        qualifiers = claim.get("qualifiers") if isinstance(claim.get("qualifiers"), dict) else {}
        holders = {qid(_item_id(v)) for v in _qualifier_values(qualifiers, "P195")}
        if text:
            numbers.append((collection not in holders, text))
    return min(numbers)[1] if numbers else None


def _year_of(time: Any) -> int | None:
    """The year of a Wikibase time ('+1889-00-00T00:00:00Z', '-0500-...') or a SPARQL dateTime."""
    match = re.match(r"^([+-]?)0*(\d{1,4})-", time.strip()) if isinstance(time, str) else None
    if match is None:
        return None
    return -int(match[2]) if match[1] == "-" else int(match[2])


def _add_inception(ex: Exhibit, claims: dict[str, Any]) -> None:
    """P571 as text at its precision ('1889', '1640s', '17th century'), with its qualifiers.

    Earliest/latest dates (P1319/P1326) bound the range (bots state a range as its midpoint at a coarse
    precision: 1601-1700 is 1650 at century precision); a coarser precision than a century is kept only
    when both bounds say the range; "circa" (P1480 Q5727902) is written before a year or decade.
    """
    for claim in _claims(claims, "P571"):
        snak = claim.get("mainsnak") if isinstance(claim.get("mainsnak"), dict) else {}
        value = (snak.get("datavalue") or {}).get("value")
        year = _year_of(value.get("time")) if isinstance(value, dict) else None
        if year is None:
            continue
        precision = value.get("precision", _PRECISION_YEAR)
        qualifiers = claim.get("qualifiers") if isinstance(claim.get("qualifiers"), dict) else {}
        earliest = next((_year_of(v.get("time")) for v in _qualifier_values(qualifiers, "P1319") if isinstance(v, dict)), None)
        latest = next((_year_of(v.get("time")) for v in _qualifier_values(qualifiers, "P1326") if isinstance(v, dict)), None)
        circa = any(qid(_item_id(v)) == _CIRCA for v in _qualifier_values(qualifiers, "P1480"))
        if precision >= _PRECISION_YEAR:
            text, begin, end = _year_text(year), year, year
        elif precision == _PRECISION_DECADE:
            begin = year - year % 10
            text, end = f"{_year_text(begin)}s", begin + 9
        elif precision == _PRECISION_CENTURY:
            century = (year - 1) // 100 + 1
            suffix = "th" if 10 <= century % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(century % 10, "th")
            text, begin, end = f"{century}{suffix} century", (century - 1) * 100 + 1, century * 100
        elif earliest is not None and latest is not None:
            text, begin, end = f"{_year_text(earliest)}–{_year_text(latest)}", earliest, latest
        else:
            continue
        if circa and precision >= _PRECISION_DECADE:
            text = f"c. {text}"
        ex.set_date(text, earliest if earliest is not None else begin, latest if latest is not None else end)
        return


def _year_text(year: int) -> str:
    """'1650'; a year before the common era as '500 BCE' (Wikibase writes it -0500)."""
    return f"{-year} BCE" if year < 0 else str(year)


def _dimensions(claims: dict[str, Any]) -> str | None:
    """Height x width (P2048 x P2049) when both are lengths in one unit: '74.3 × 94.3 cm'."""
    sizes = []
    for prop in ("P2048", "P2049"):
        value = next((v for v in _values(claims, prop) if isinstance(v, dict)), None)
        if value is None:
            return None
        unit = _LENGTH_UNITS.get(qid(value.get("unit")) or "")
        amount = (clean_text(str(value.get("amount") or "")) or "").lstrip("+")
        if unit is None or not amount:
            return None
        sizes.append((amount, unit))
    if sizes[0][1] != sizes[1][1]:
        return None
    return f"{sizes[0][0]} × {sizes[1][0]} {sizes[0][1]}"
