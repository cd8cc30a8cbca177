"""The exhibit schema: the contract between every stage (see DESIGN.md).

Adapters produce `Exhibit` objects; everything downstream reads them back from Parquet
through `exhibit_from_row`, so no stage after ingest knows a source format.
Unknown values are absent (None / missing key), never the empty string.

A `Value` keeps the text as catalogued (`value`, `lang`) apart from what it means: `role` is a creator's
role ("Artist", "Printer") and nothing else, because question generation and attribution read it as one;
`uri` is the value's vocabulary id (AAT, Wikidata, ULAN, Iconclass ... URI) where the source gives one.
Exhibit Parquet files written before `uri` existed have a three-field value struct; they read back with
`uri` None (`exhibit_from_row`, `questions.records`), and `upgrade_exhibits_table` brings them to the
current schema where old and new parts meet (an appended ingest run).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pyarrow as pa

# Attribute categories every adapter maps onto. Each holds a list of language-tagged values.
ATTRIBUTES: tuple[str, ...] = (
    "title",
    "creator",
    "date",
    "medium",
    "technique",
    "object_type",
    "classification",
    "culture",
    "place",
    "period",
    "subject",
    "department",
    "dimensions",
    "inscription",
    "credit_line",
    "acquisition_year",
    "description",
)

IMAGE_ROLES: tuple[str, ...] = ("primary", "additional", "verso", "detail")
_ATTRIBUTE_SET = frozenset(ATTRIBUTES)


def clean_text(value: Any) -> str | None:
    """Unicode-NFC, whitespace-collapsed text, or None for anything empty (never "").

    Most catalogue values are already clean ASCII: in printable ASCII the only whitespace is the
    space, so such a string is returned as is unless it has edge or doubled spaces (ingest calls
    this for every value; the split/join was a quarter of its time).
    """
    if value is None:
        return None
    text = value if type(value) is str else str(value)
    if not text:
        return None
    if text.isascii() and text.isprintable() and text[0] != " " and text[-1] != " " and "  " not in text:
        return text
    text = " ".join(text.split())
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return text or None


class Value(NamedTuple):
    """One attribute value with its language tag (BCP-47, None when the source does not say), a creator's
    role, and the value's vocabulary id.

    The leaf records (Value, ImageRef, Person) are named tuples: Arrow converts tuples to structs
    in C (`exhibits_to_table`), and ingest makes ~15 of them per record.
    """

    value: str
    lang: str | None = "en"
    role: str | None = None  # a creator's role only ("Artist", "Printer"); never an id
    uri: str | None = None  # vocabulary id: "http://vocab.getty.edu/aat/300015050", "http://www.wikidata.org/entity/Q296955"


class ImageRef(NamedTuple):
    """A photograph of the exhibit: where it is and which view it shows."""

    uri: str
    role: str = "primary"
    view: str | None = None
    licence: str | None = None


class Person(NamedTuple):
    """A linked person record (artist, maker)."""

    name: str
    role: str | None = None
    person_id: str | None = None
    birth_year: int | None = None
    death_year: int | None = None
    birth_place: str | None = None
    death_place: str | None = None
    nationality: str | None = None
    kind: str | None = None  # "person" or "organisation" where the source says (LIDO actor type, party type)
    qualifier: str | None = None  # attribution qualifier as catalogued ("Copy after", "Tillskriven")


@dataclass
class Exhibit:
    """One museum object, normalised."""

    exhibit_id: str
    museum: str
    source_adapter: str
    source_path: str
    images: list[ImageRef] = field(default_factory=list)
    attributes: dict[str, list[Value]] = field(default_factory=dict)
    date_begin: int | None = None
    date_end: int | None = None
    people: list[Person] = field(default_factory=list)
    licence: str | None = None
    rights: str | None = None
    url: str | None = None

    def add(
        self, attribute: str, value: Any, lang: str | None = "en", role: str | None = None, uri: str | None = None
    ) -> None:
        """Add a value to an attribute, skipping empty values and exact duplicates (same text, language, role, id)."""
        if attribute not in _ATTRIBUTE_SET:
            raise KeyError(f"unknown attribute {attribute!r}; known: {', '.join(ATTRIBUTES)}")
        if value is None or value == "":  # most absent values: skip the call
            return
        text = clean_text(value)
        if text is None:
            return
        item = _tuple_new(
            Value, (text, lang, None if role is None else clean_text(role), None if uri is None else clean_text(uri))
        )
        values = self.attributes.get(attribute)
        if values is None:
            self.attributes[attribute] = [item]
        elif item not in values:
            values.append(item)

    def add_values(self, attribute: str, items: list[Value]) -> None:
        """Add values whose text and role are already clean (e.g. cleaned while walking a tree), skipping duplicates."""
        if attribute not in _ATTRIBUTE_SET:
            raise KeyError(f"unknown attribute {attribute!r}; known: {', '.join(ATTRIBUTES)}")
        if not items:
            return
        values = self.attributes.setdefault(attribute, [])
        for item in items:
            if item not in values:
                values.append(item)

    def set_date(self, text: Any, begin: int | None, end: int | None) -> None:
        """The date as written plus its year range; a range without a written date is not kept."""
        if clean_text(text) is None:
            return
        self.add("date", text)
        self.date_begin, self.date_end = begin, end

    def values(self, attribute: str, lang: str | None = None) -> list[str]:
        """Plain strings of one attribute, optionally only those in one language."""
        return [v.value for v in self.attributes.get(attribute, []) if lang is None or v.lang == lang]

    def primary_image(self) -> ImageRef | None:
        for image in self.images:
            if image.role == "primary":
                return image
        return self.images[0] if self.images else None


_tuple_new = tuple.__new__


def new_value(fields: tuple[str, str | None, str | None] | tuple[str, str | None, str | None, str | None]) -> Value:
    """A Value from (value, lang, role[, uri]), skipping the keyword handling of its constructor (ingest's hot path).

    A three-field tuple gets `uri` None: a Value must always have every field, or Arrow cannot convert it.
    """
    return _tuple_new(Value, fields if len(fields) == 4 else (*fields, None))


_LETTERS = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss", "đ": "d",
                          "Đ": "D", "ł": "l", "Ł": "L", "þ": "th", "Þ": "TH", "ð": "d", "Ð": "D", "ı": "i"})


def slug(text: str | None) -> str | None:
    """'Gåva 1933' -> 'gava-1933', 'Nationalmuseum' -> 'nationalmuseum': letters transliterated, never dropped."""
    folded = unicodedata.normalize("NFKD", (text or "").translate(_LETTERS))
    ascii_text = "".join(c for c in folded if not unicodedata.combining(c)).encode("ascii", "ignore").decode()
    out = "-".join(part for part in "".join(c if c.isalnum() else " " for c in ascii_text.lower()).split())
    return out or None


_PLACEHOLDER_ID = re.compile(r"^[\W_]*(0+|n/?a|none|null|unknown|x+|-+)?$", re.IGNORECASE)


def is_placeholder_id(text: str | None) -> bool:
    """An id that identifies nothing: empty, '0', 'n/a', or a prefix with a zero number ('/Museu:000000')."""
    if text is None or not text.strip():
        return True
    tail = re.split(r"[:/#]", text.strip())[-1]
    return _PLACEHOLDER_ID.match(text.strip()) is not None or _PLACEHOLDER_ID.match(tail) is not None


def make_exhibit_id(museum: str, accession: str) -> str:
    """Stable id `museum:accession` (accession kept verbatim, dots included)."""
    return f"{museum}:{accession}"


_VALUE = pa.struct([("value", pa.string()), ("lang", pa.string()), ("role", pa.string()), ("uri", pa.string())])
_IMAGE = pa.struct([("uri", pa.string()), ("role", pa.string()), ("view", pa.string()), ("licence", pa.string())])
PERSON_STRUCT = pa.struct(
    [
        ("name", pa.string()),
        ("role", pa.string()),
        ("person_id", pa.string()),
        ("birth_year", pa.int32()),
        ("death_year", pa.int32()),
        ("birth_place", pa.string()),
        ("death_place", pa.string()),
        ("nationality", pa.string()),
        ("kind", pa.string()),
        ("qualifier", pa.string()),
    ]
)

EXHIBIT_SCHEMA = pa.schema(
    [
        ("exhibit_id", pa.string()),
        ("museum", pa.string()),
        ("source_adapter", pa.string()),
        ("source_path", pa.string()),
        ("images", pa.list_(_IMAGE)),
        ("attributes", pa.struct([(name, pa.list_(_VALUE)) for name in ATTRIBUTES])),
        ("date_begin", pa.int32()),
        ("date_end", pa.int32()),
        ("people", pa.list_(PERSON_STRUCT)),
        ("licence", pa.string()),
        ("rights", pa.string()),
        ("url", pa.string()),
    ]
)

REJECT_SCHEMA = pa.schema(
    [
        ("source_path", pa.string()),
        ("position", pa.int64()),
        ("record_id", pa.string()),
        ("field", pa.string()),
        ("reason", pa.string()),
    ]
)


def exhibit_to_row(exhibit: Exhibit) -> dict[str, Any]:
    """A Parquet row for EXHIBIT_SCHEMA; an attribute without values is null (absent)."""
    attributes = exhibit.attributes
    return {
        "exhibit_id": exhibit.exhibit_id,
        "museum": exhibit.museum,
        "source_adapter": exhibit.source_adapter,
        "source_path": exhibit.source_path,
        "images": [i._asdict() for i in exhibit.images],
        "attributes": {
            name: [v._asdict() for v in attributes[name]] if attributes.get(name) else None for name in ATTRIBUTES
        },
        "date_begin": exhibit.date_begin,
        "date_end": exhibit.date_end,
        "people": [p._asdict() for p in exhibit.people],
        "licence": exhibit.licence,
        "rights": exhibit.rights,
        "url": exhibit.url,
    }


_SCALARS = tuple(f.name for f in EXHIBIT_SCHEMA if not pa.types.is_nested(f.type))  # one value per exhibit


def exhibits_to_table(exhibits: list[Exhibit]) -> pa.Table:
    """The EXHIBIT_SCHEMA table of many exhibits, equal to `from_pylist` of their `exhibit_to_row`s.

    Built column by column (no row dicts): Arrow reads the leaf tuples and the attribute dicts
    directly, missing attributes becoming nulls. Ingest's Parquet writing used to spend more time
    building nested rows than reading the source.
    """
    columns = {
        name: pa.array([getattr(e, name) for e in exhibits], EXHIBIT_SCHEMA.field(name).type) for name in _SCALARS
    }
    columns["images"] = pa.array([e.images for e in exhibits], EXHIBIT_SCHEMA.field("images").type)
    columns["people"] = pa.array([e.people for e in exhibits], EXHIBIT_SCHEMA.field("people").type)
    columns["attributes"] = pa.array(
        [e.attributes if [] not in e.attributes.values() else _non_empty(e.attributes) for e in exhibits],
        EXHIBIT_SCHEMA.field("attributes").type,
    )
    return pa.Table.from_arrays([columns[name] for name in EXHIBIT_SCHEMA.names], schema=EXHIBIT_SCHEMA)


def _non_empty(attributes: dict[str, list[Value]]) -> dict[str, list[Value]]:
    """Attributes without their empty lists: an attribute without values is null, as in exhibit_to_row."""
    return {name: values for name, values in attributes.items() if values}


def upgrade_exhibits_table(table: pa.Table) -> pa.Table:
    """An exhibits table of an older schema (values without `uri`) as EXHIBIT_SCHEMA, the new fields null.

    Arrow casts structs by field name, filling fields the source lacks with nulls (older pyarrow cannot:
    the rows are rebuilt then, which only ever happens to a run written before the field existed).
    """
    if table.schema.equals(EXHIBIT_SCHEMA):
        return table
    try:
        return table.select(EXHIBIT_SCHEMA.names).cast(EXHIBIT_SCHEMA)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, KeyError):
        return pa.Table.from_pylist(table.to_pylist(), schema=EXHIBIT_SCHEMA)


def exhibit_from_row(row: dict[str, Any]) -> Exhibit:
    """Inverse of exhibit_to_row; a value struct of an older file (no `uri`) reads with `uri` None."""
    attributes = {
        name: [Value(**v) for v in values] for name, values in (row.get("attributes") or {}).items() if values
    }
    return Exhibit(
        exhibit_id=row["exhibit_id"],
        museum=row["museum"],
        source_adapter=row["source_adapter"],
        source_path=row["source_path"],
        images=[ImageRef(**i) for i in row.get("images") or []],
        attributes=attributes,
        date_begin=row.get("date_begin"),
        date_end=row.get("date_end"),
        people=[Person(**p) for p in row.get("people") or []],
        licence=row.get("licence"),
        rights=row.get("rights"),
        url=row.get("url"),
    )
