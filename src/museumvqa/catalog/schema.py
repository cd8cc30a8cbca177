"""The exhibit schema: the contract between every stage (see DESIGN.md).

Adapters produce `Exhibit` objects; everything downstream reads them back from Parquet
through `exhibit_from_row`, so no stage after ingest knows a source format.
Unknown values are absent (None / missing key), never the empty string.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, fields
from itertools import accumulate
from operator import attrgetter
from typing import Any

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


@dataclass(frozen=True)
class Value:
    """One attribute value with its language tag (BCP-47, None when the source does not say)."""

    value: str
    lang: str | None = "en"
    role: str | None = None  # e.g. creator role "Artist", "Printer"


@dataclass(frozen=True)
class ImageRef:
    """A photograph of the exhibit: where it is and which view it shows."""

    uri: str
    role: str = "primary"
    view: str | None = None
    licence: str | None = None


@dataclass(frozen=True)
class Person:
    """A linked person record (artist, maker)."""

    name: str
    role: str | None = None
    person_id: str | None = None
    birth_year: int | None = None
    death_year: int | None = None
    birth_place: str | None = None
    death_place: str | None = None
    nationality: str | None = None


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

    def add(self, attribute: str, value: Any, lang: str | None = "en", role: str | None = None) -> None:
        """Add a value to an attribute, skipping empty values and exact duplicates."""
        if attribute not in _ATTRIBUTE_SET:
            raise KeyError(f"unknown attribute {attribute!r}; known: {', '.join(ATTRIBUTES)}")
        if value is None or (type(value) is str and not value):  # most absent values: skip the call
            return
        text = clean_text(value)
        if text is None:
            return
        item = Value(text, lang, None if role is None else clean_text(role))
        values = self.attributes.get(attribute)
        if values is None:
            self.attributes[attribute] = [item]
        elif text not in [v.value for v in values] or item not in values:  # strings first: Value.__eq__ is slow
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


def make_exhibit_id(museum: str, accession: str) -> str:
    """Stable id `museum:accession` (accession kept verbatim, dots included)."""
    return f"{museum}:{accession}"


_VALUE = pa.struct([("value", pa.string()), ("lang", pa.string()), ("role", pa.string())])
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


def _flat(obj: Value | ImageRef | Person) -> dict[str, Any]:
    """A shallow dict of a frozen leaf dataclass (dataclasses.asdict deep-copies and was 75% of ingest time)."""
    return {name: getattr(obj, name) for name in _LEAF_FIELDS[type(obj)]}


_LEAF_FIELDS = {cls: tuple(f.name for f in fields(cls)) for cls in (Value, ImageRef, Person)}


def exhibit_to_row(exhibit: Exhibit) -> dict[str, Any]:
    """A Parquet row for EXHIBIT_SCHEMA; an attribute without values is null (absent)."""
    attributes = exhibit.attributes
    return {
        "exhibit_id": exhibit.exhibit_id,
        "museum": exhibit.museum,
        "source_adapter": exhibit.source_adapter,
        "source_path": exhibit.source_path,
        "images": [_flat(i) for i in exhibit.images],
        "attributes": {
            name: [_flat(v) for v in attributes[name]] if attributes.get(name) else None for name in ATTRIBUTES
        },
        "date_begin": exhibit.date_begin,
        "date_end": exhibit.date_end,
        "people": [_flat(p) for p in exhibit.people],
        "licence": exhibit.licence,
        "rights": exhibit.rights,
        "url": exhibit.url,
    }


_SCALARS = tuple(f.name for f in EXHIBIT_SCHEMA if not pa.types.is_nested(f.type))  # one value per exhibit


def _struct_list(items: list[Any], lengths: list[int], item_type: pa.StructType, null_if_empty: bool) -> pa.Array:
    """A list<struct> column from the leaf objects of all rows and each row's number of them."""
    leaves = [pa.array(list(map(attrgetter(f.name), items)), f.type) for f in item_type]
    offsets = pa.array(list(accumulate(lengths, initial=0)), pa.int32())
    mask = pa.array([n == 0 for n in lengths], pa.bool_()) if null_if_empty else None
    return pa.ListArray.from_arrays(offsets, pa.StructArray.from_arrays(leaves, fields=list(item_type)), mask=mask)


def exhibits_to_table(exhibits: list[Exhibit]) -> pa.Table:
    """The EXHIBIT_SCHEMA table of many exhibits, equal to `from_pylist` of their `exhibit_to_row`s.

    Built column by column from the leaf objects (no row dicts): ingest's Parquet writing spent
    more time building nested rows for `from_pylist` than reading the source.
    """
    images: list[ImageRef] = []
    people: list[Person] = []
    values: dict[str, list[Value]] = {name: [] for name in ATTRIBUTES}
    lengths = {name: [0] * len(exhibits) for name in ATTRIBUTES}
    for row, exhibit in enumerate(exhibits):
        images += exhibit.images
        people += exhibit.people
        for name, found in exhibit.attributes.items():
            values[name] += found
            lengths[name][row] = len(found)
    columns: dict[str, pa.Array] = {
        name: pa.array(list(map(attrgetter(name), exhibits)), EXHIBIT_SCHEMA.field(name).type) for name in _SCALARS
    }
    columns["images"] = _struct_list(images, [len(e.images) for e in exhibits], _IMAGE, null_if_empty=False)
    columns["people"] = _struct_list(people, [len(e.people) for e in exhibits], PERSON_STRUCT, null_if_empty=False)
    attribute_type = EXHIBIT_SCHEMA.field("attributes").type
    columns["attributes"] = pa.StructArray.from_arrays(
        [_struct_list(values[name], lengths[name], _VALUE, null_if_empty=True) for name in ATTRIBUTES],
        fields=list(attribute_type),
    )
    return pa.Table.from_arrays([columns[name] for name in EXHIBIT_SCHEMA.names], schema=EXHIBIT_SCHEMA)


def exhibit_from_row(row: dict[str, Any]) -> Exhibit:
    """Inverse of exhibit_to_row."""
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
