"""What a visitor reads, in the visitor's language: field and category names, the page's words, and why
an answer came from where it did (`data/labels.yaml`). No raw key (`object_type`, `credit_line`) ever
reaches the page: a field the table does not name is written out in words ("Object type")."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

DEFAULT_LANGUAGE = "en"


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, Any]]:
    path = resources.files("museumvqa.serving") / "data" / "labels.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def languages() -> list[str]:
    return list(_table())


def _section(language: str, section: str) -> dict[str, str]:
    table = _table()
    return table.get(language, table[DEFAULT_LANGUAGE])[section]


def field_label(name: str, language: str) -> str:
    """'object_type' -> 'Object type' / 'Föremålstyp'; an unlisted field in words, never as a raw key."""
    found = _section(language, "fields").get(name) or _section(DEFAULT_LANGUAGE, "fields").get(name)
    return found or name.replace(".", " ").replace("_", " ").capitalize()


def field_labels(names: list[str] | tuple[str, ...], language: str) -> dict[str, str]:
    return {name: field_label(name, language) for name in names}


def category_label(category: str, language: str) -> str:
    found = _section(language, "categories").get(category)
    return found or category.replace("_", " ")


def language_name(code: str, language: str) -> str:
    """The name of language `code` written in `language` ('en' in Swedish: 'engelska')."""
    return _section(language, "languages").get(code, code)


def message(key: str, language: str, /, **values: str) -> str:
    """One of the server's explanations in `language`, its placeholders filled."""
    return _section(language, "messages")[key].format(**values)


def unknown_maker(language: str) -> str:
    table = _table()
    return table.get(language, table[DEFAULT_LANGUAGE])["unknown_maker"]


def page_words(language: str) -> dict[str, Any]:
    """Everything the page shows in one language: its words, the field names and the language names."""
    return {
        "ui": dict(_section(language, "ui")),
        "fields": dict(_section(language, "fields")),
        "languages": dict(_section(language, "languages")),
    }
