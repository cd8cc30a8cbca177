"""Years from catalogue values: a plain year field (Met, Tate) and the year a date text starts with (LIDO, mappings)."""

from __future__ import annotations

import re
from typing import Any

from museumvqa.catalog.schema import clean_text

_YEAR = re.compile(r"^-?\d{1,4}$")
_LEADING_YEAR = re.compile(r"^\s*(-?\d{1,4})(?:\D|$)")


def parse_year(value: Any) -> int | None:
    """A plain year from Met's begin/end fields ("1853", 1853); None for blanks and non-years."""
    if type(value) is int:  # JSON years are mostly numbers already: same answer as the text route
        return value if -9999 <= value <= 9999 else None
    if type(value) is str and len(value) <= 4 and value.isascii() and value.isdigit():  # "1853": the same again
        return int(value) if value else None
    text = clean_text(value)
    if text is None or not _YEAR.match(text):
        return None
    return int(text)


def leading_year(text: str | None) -> int | None:
    """The year a date text starts with ("1642", "1642-05-01", "-0500"); None when it has none."""
    match = _LEADING_YEAR.match(text or "")
    return int(match.group(1)) if match else None


_UNCERTAIN = re.compile(r"\b(active|ca\.?|circa|about|before|after|by|died|fl\.?)\b|[?/]", re.IGNORECASE)


_ACTIVE = re.compile(r"\b(active|fl\.?|flourished|verksam|actif|tätig|attivo|activo|werkzaam)\b", re.IGNORECASE)


def life_years(bio: str | None, begin: int | None, end: int | None) -> tuple[int | None, int | None]:
    """Birth and death years only where a biography states them exactly.

    Met's begin/end dates are a person's date range, often rounded or of their activity ("Venice ca.
    1480–1556 Loreto" has begin 1475; "active ca. 742–756"): a year counts as a birth (death) year only
    when the biography's first (second) part names it without "ca.", "active", "?" or "/". With no
    biography the range is all there is, and it is kept.
    """
    if not bio:
        return begin, end
    parts = re.split(r"\s*[–—]\s*|\s+-\s+|(?<=\d)-(?=\D*\d)", bio, maxsplit=1)
    birth_part, death_part = parts[0], parts[1] if len(parts) > 1 else ""
    if _ACTIVE.search(birth_part):  # "active ca. 742–756": both ends are of the working life
        return None, None
    return _stated(birth_part, begin), _stated(death_part, end)


def _stated(part: str, year: int | None) -> int | None:
    if year is None or _UNCERTAIN.search(part):
        return None
    return year if re.search(rf"(?<![\d]){year}(?![\d])", part) else None
