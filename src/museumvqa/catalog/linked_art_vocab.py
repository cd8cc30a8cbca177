"""Linked Art (JSON-LD) building blocks the adapter reads with: AAT ids by role, nodes, names, years, languages.

Linked Art types everything with Getty AAT concepts (`classified_as`), written as full URIs
(`http://vocab.getty.edu/aat/300404670`) or compacted (`aat:300404670`); older records (API 0.x,
`ManMadeObject`) use `label`/`value` where current ones use `_label`/`content`, and give a single
node where current ones give a list. Everything here accepts both.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from museumvqa.catalog.schema import clean_text
from museumvqa.catalog.years import leading_year

OBJECT_TYPES = frozenset({"HumanMadeObject", "ManMadeObject", "crm:E22_Human-Made_Object", "crm:E22_Man-Made_Object"})

# AAT concepts by what they mark in a record (https://linked.art/model/ and the AAT itself).
PREFERRED = "300404670"  # preferred term: the primary title or name
ACCESSION = "300312355"  # accession number
IDENTIFICATION = "300404626"  # identification number (any catalogue number)
TYPE_OF_WORK = "300435443"  # meta-type: the object/work type; also the "Object Type" statement
CLASSIFICATION = "300435444"  # meta-type: the museum's classification
CULTURE = "300055768"  # meta-type and statement: culture
NATIONALITY = "300379842"  # meta-type: nationality
DESCRIPTION = "300080091"
MATERIALS = "300435429"  # materials statement ("Oil on canvas")
DIMENSIONS = ("300435430", "300266036")  # dimensions statement
CREDIT_LINE = ("300026687", "300435418")  # acknowledgements (the spec's credit line), credit line (Getty)
PLACE_CREATED = "300435448"
INSCRIPTION = ("300028702", "300028705", "300028744")  # inscriptions, signatures, marks (symbols)
RIGHTS = ("300417696", "300055598")
WEB_PAGE = "300264578"
OBSOLETE = "300404908"  # an assignment no longer held (a previous attribution)

# AAT languages (`language` on Names and statements) as BCP-47 tags, and their English names.
LANGUAGES = {
    "300388277": "en", "300388306": "fr", "300388344": "de", "300388256": "nl", "300389311": "es",
    "300388474": "it", "300389336": "sv", "300388486": "ja", "300388113": "zh", "300388693": "la",
    "300389115": "pt", "300388633": "ko", "300389168": "ru", "300388204": "da", "300388992": "no",
}
LANGUAGE_NAMES = {
    "english": "en", "french": "fr", "german": "de", "dutch": "nl", "spanish": "es", "italian": "it",
    "swedish": "sv", "japanese": "ja", "chinese": "zh", "latin": "la", "portuguese": "pt", "korean": "ko",
}
_AAT = re.compile(r"(?:aat:|vocab\.getty\.edu/aat/)(\d+)")
_AAT_QUALIFIER = re.compile(r"\s*\((?:[^()]*)\)$")  # "Oil Paint (Paint)": AAT's disambiguating qualifier
_TAG = re.compile(r"<[^>]+>")


def as_list(value: Any) -> list[Any]:
    """A Linked Art property's values as a list (older records give one node where current ones give a list)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def nodes(node: Any, key: str) -> Iterator[dict[str, Any]]:
    """The dict values of one property (bare id strings of older records become {"id": ...})."""
    if not isinstance(node, dict):
        return
    for item in as_list(node.get(key)):
        if isinstance(item, dict):
            yield item
        elif isinstance(item, str):
            yield {"id": item}


def aat_id(value: Any) -> str | None:
    """'300404670' from 'http://vocab.getty.edu/aat/300404670' or 'aat:300404670'; None for other ids."""
    match = _AAT.search(value) if isinstance(value, str) else None
    return match[1] if match else None


def label(node: Any) -> str | None:
    """A node's display label: `_label`, or the older `label` (a string or a list of language strings)."""
    if isinstance(node, str):
        return clean_text(node)
    if not isinstance(node, dict):
        return None
    for key in ("_label", "label"):
        for item in as_list(node.get(key)):
            text = clean_text(item.get("@value") if isinstance(item, dict) else item)
            if text:
                return text
    return None


def text(node: dict[str, Any]) -> str | None:
    """The content of a Name or statement (`content`, older `value`), without HTML markup."""
    value = node.get("content", node.get("value"))
    found = clean_text(value if isinstance(value, str) else None if value is None else str(value))
    if found and "<" in found:
        found = clean_text(_TAG.sub("", found).replace("&amp;", "&"))
    return found


def type_ids(node: Any) -> set[str]:
    """AAT ids of a node's `classified_as` (and of `technique`, which older records use for roles)."""
    return {found for t in nodes(node, "classified_as") if (found := aat_id(t.get("id")))}


def term(node: dict[str, Any]) -> str | None:
    """A vocabulary term's label without AAT's disambiguating qualifier ('Canvas (Textile Material)' -> 'Canvas')."""
    found = label(node)
    if found and aat_id(node.get("id")):
        found = clean_text(_AAT_QUALIFIER.sub("", found)) or found
    return found


def languages(node: dict[str, Any], default: str | None) -> str | None:
    """The BCP-47 tag of a Name's or statement's `language` (AAT id or name), else `default`."""
    for lang in nodes(node, "language"):
        tag = LANGUAGES.get(aat_id(lang.get("id")) or "") or LANGUAGE_NAMES.get((label(lang) or "").lower())
        if tag:
            return tag
    return default


def year(value: Any) -> int | None:
    """The year of an xsd:dateTime ('1889-01-01T00:00:00', '-0500-01-01T00:00:00'); BCE years negative."""
    if not isinstance(value, str):
        return None
    return leading_year(value)  # the sign as written: publishers differ on whether -0500 is 500 or 501 BCE


def timespan_years(node: Any) -> tuple[int | None, int | None]:
    """(begin, end) years of a node's timespan."""
    span = next(nodes(node, "timespan"), {})
    begin = year(span.get("begin_of_the_begin")) or year(span.get("end_of_the_begin"))
    end = year(span.get("end_of_the_end")) or year(span.get("begin_of_the_end"))
    return begin, end


def timespan_text(node: Any) -> str | None:
    """The date as displayed: the timespan's Name, else its label."""
    span = next(nodes(node, "timespan"), {})
    for name in nodes(span, "identified_by"):
        found = text(name)
        if found:
            return found
    return label(span)
