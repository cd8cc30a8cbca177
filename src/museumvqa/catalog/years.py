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
