"""Gold answers per attribute category, taken from the record only (no value, no question)."""

from __future__ import annotations

import re
from collections.abc import Callable

from museumvqa.catalog.schema import Exhibit, clean_text

# Creator values that name nobody; asking "who made this?" with these as gold teaches nothing.
_ANONYMOUS = re.compile(r"^(unidentified|unknown|anonymous)\b", re.IGNORECASE)
_PARENTHESISED = re.compile(r"^(?P<main>[^()]+?)\s*\((?P<inner>[^()]+)\)$")


def _unique(values: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for v in values:
        text = clean_text(v)
        if text is not None and text.casefold() not in {s.casefold() for s in seen}:
            seen[text] = None
    return list(seen)


def name_aliases(name: str) -> list[str]:
    """'El Greco (Domenikos Theotokopoulos)' -> itself, 'El Greco', 'Domenikos Theotokopoulos'."""
    match = _PARENTHESISED.match(name)
    if not match:
        return [name]
    return _unique([name, match["main"], match["inner"]])


def creator_answers(ex: Exhibit) -> list[str]:
    names = [v for v in ex.values("creator") if not _ANONYMOUS.match(v)]
    return _unique([alias for name in names for alias in name_aliases(name)])


def date_answers(ex: Exhibit) -> list[str]:
    dates = ex.values("date")
    if not dates:
        return []
    extra = [str(ex.date_begin)] if ex.date_begin is not None and ex.date_begin == ex.date_end else []
    return _unique(dates + extra)


def culture_answers(ex: Exhibit) -> list[str]:
    return _unique(ex.values("culture") + ex.values("place"))


def _plain(attribute: str) -> Callable[[Exhibit], list[str]]:
    return lambda ex: _unique(ex.values(attribute))


ANSWERS: dict[str, Callable[[Exhibit], list[str]]] = {
    "title": _plain("title"),
    "creator": creator_answers,
    "date": date_answers,
    "medium": _plain("medium"),
    "culture": culture_answers,
    "department": _plain("department"),
    "object_type": _plain("object_type"),
}
