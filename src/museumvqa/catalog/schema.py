"""The exhibit schema: the contract between every stage (see DESIGN.md).

Adapters produce `Exhibit` objects; everything downstream reads them back from Parquet
through `exhibit_from_row`, so no stage after ingest knows a source format.
Unknown values are absent (None / missing key), never the empty string.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, fields
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


def clean_text(value: Any) -> str | None:
    """Unicode-NFC, whitespace-collapsed text, or None for anything empty (never "")."""
    if value is None:
        return None
    text = " ".join(str(value).split())
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
        if attribute not in ATTRIBUTES:
            raise KeyError(f"unknown attribute {attribute!r}; known: {', '.join(ATTRIBUTES)}")
        text = clean_text(value)
        if text is None:
            return
        item = Value(text, lang, clean_text(role))
        values = self.attributes.setdefault(attribute, [])
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
