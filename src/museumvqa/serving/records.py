"""An exhibit record as the API shows it: a short card (in `/api/ask` answers and the sample list) or
the full record (`/api/exhibits/{id}`), with links to the record (its readable page `/record/{id}` and
its data), its image, and the card's field names in the visitor's language."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from museumvqa.catalog.schema import Exhibit
from museumvqa.serving.catalogue import Catalogue
from museumvqa.serving.labels import DEFAULT_LANGUAGE, field_labels

CARD_FIELDS = ("title", "creator", "date", "medium", "culture", "department", "object_type")


def record_page_url(exhibit_id: str, language: str | None = None) -> str:
    """The readable record page, in `language` when one is given."""
    query = f"?lang={language}" if language else ""
    return f"/record/{quote(exhibit_id, safe='')}{query}"


def exhibit_json(
    exhibit: Exhibit, catalogue: Catalogue, summary: bool, language: str = DEFAULT_LANGUAGE
) -> dict[str, Any]:
    """`summary`: id, title, the card's fields (with their names in `language`) and links; otherwise every
    attribute with its language."""
    key = catalogue.image_of.get(exhibit.exhibit_id)
    out: dict[str, Any] = {
        "id": exhibit.exhibit_id,
        "title": (exhibit.values("title") or [exhibit.exhibit_id])[0],
        "record_url": f"/api/exhibits/{quote(exhibit.exhibit_id, safe='')}",
        "page_url": record_page_url(exhibit.exhibit_id, language),
        "source_url": exhibit.url,
        "image_url": f"/api/images/{key}" if key else None,
    }
    if summary:
        out["card"] = {name: exhibit.values(name) for name in CARD_FIELDS if exhibit.values(name)}
        out["labels"] = field_labels(list(out["card"]), language)
        return out
    out.update(
        museum=exhibit.museum,
        attributes={
            name: [{"value": v.value, "lang": v.lang, "role": v.role} for v in values]
            for name, values in exhibit.attributes.items()
        },
        date_begin=exhibit.date_begin,
        date_end=exhibit.date_end,
        people=[p._asdict() for p in exhibit.people],
        licence=exhibit.licence,
        rights=exhibit.rights,
        images=[key for key, owner in zip(catalogue.keys, catalogue.owners) if owner == exhibit.exhibit_id],
    )
    return out


def record_fields_for_context(exhibit: Exhibit) -> dict[str, list[str]]:
    """The card's fields a grounded LLaVA reads, English values first when the record has them."""
    out: dict[str, list[str]] = {}
    for name in CARD_FIELDS:
        values = exhibit.values(name, "en") or exhibit.values(name)
        if values:
            out[name] = values
    return out


def record_context(fields: dict[str, list[str]]) -> str:
    """A compact one-line rendering ("Title: ...; Creator: ...; Date: ...") to put in a LLaVA prompt."""
    return "; ".join(f"{name.replace('_', ' ').capitalize()}: {', '.join(values)}" for name, values in fields.items())
