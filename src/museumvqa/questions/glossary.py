"""Controlled-vocabulary translations (`data/glossary.yaml`): materials, techniques, object types, ...

Only values listed by a curator are translated; anything else stays in its source language, so a
question never carries a machine-guessed answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from museumvqa.errors import UserError

LANGUAGES: tuple[str, ...] = ("en", "fr", "de", "es", "it", "nl", "sv")
SECTIONS: tuple[str, ...] = ("materials", "techniques", "object_types", "nationalities", "roles")
GENDERS: frozenset[str] = frozenset({"m", "f", "n", "c"})
_DEFAULT = resources.files("museumvqa.questions") / "data" / "glossary.yaml"
_WITH_GENDER = re.compile(r"^(?P<text>.+)\|(?P<gender>[a-z])$")


@dataclass(frozen=True)
class Term:
    """One vocabulary entry: its English name and, per language, accepted forms (first preferred)."""

    english: str
    section: str
    forms: dict[str, tuple[str, ...]]
    genders: dict[str, str] = field(default_factory=dict)

    def translate(self, language: str) -> tuple[str, ...] | None:
        return self.forms.get(language)


class Glossary:
    """Look-up of source values (case-insensitive, aliases included) to their Term per section."""

    def __init__(self, terms: list[Term], aliases: dict[tuple[str, str], Term]) -> None:
        self.terms = terms
        self._lookup = aliases
        self._forms: dict[tuple[str, str, str], Term] = {}  # (section, language, form) -> term, first listed wins
        owners: dict[tuple[str, str], list[Term]] = {}  # (section, form) -> the terms having it in any language
        for term in terms:
            for lang, forms in term.forms.items():
                for form in forms:
                    self._forms.setdefault((term.section, lang, form.casefold()), term)
                    found = owners.setdefault((term.section, form.casefold()), [])
                    if term not in found:
                        found.append(term)
        self._any = {key: found[0] for key, found in owners.items() if len(found) == 1}

    def find(self, section: str, value: str) -> Term | None:
        """The term an English value (name or alias) names."""
        return self._lookup.get((section, value.casefold()))

    def find_in(self, section: str, lang: str, value: str) -> Term | None:
        """The term a value in `lang` names ('Konstnär' in Swedish: artist); a form of one term only in any
        language when the tag is missing or wrong. Lets a Swedish or untagged value reach other languages."""
        key = value.casefold()
        found = self._lookup.get((section, key)) if lang == "en" else self._forms.get((section, lang, key))
        return found or self._lookup.get((section, key)) or self._any.get((section, key))

    def is_form(self, section: str, lang: str, value: str) -> bool:
        """Whether `value` is a listed form of some term in exactly this language."""
        return (section, lang, value.casefold()) in self._forms

    def spellings(self, term: Term) -> list[str]:
        """Every English spelling (name and aliases, case-folded) that maps onto `term`."""
        return [key for (section, key), found in self._lookup.items() if found is term and section == term.section]


def _forms(source: Path, section: str, english: str, lang: str, raw: object) -> tuple[tuple[str, ...], str | None]:
    items = raw if isinstance(raw, list) else [raw]
    if not items or not all(isinstance(i, str) and i.strip() for i in items):
        raise UserError(f"{source}: {section}/{english}: {lang} must be a text or a list of texts")
    forms, gender = [], None
    for item in items:
        match = _WITH_GENDER.match(item)
        if match:
            if match["gender"] not in GENDERS:
                raise UserError(f"{source}: {section}/{english}: unknown gender {match['gender']!r} in {item!r}")
            gender = gender or match["gender"]
            item = match["text"]
        forms.append(item.strip())
    return tuple(forms), gender


def parse_glossary(source: Path) -> Glossary:
    """Read and check a glossary file; every problem names the file and the entry."""
    try:
        doc = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise UserError(f"{source}: unreadable glossary ({e})") from None
    if not isinstance(doc, dict) or set(doc) - set(SECTIONS):
        raise UserError(f"{source}: glossary sections must be among {', '.join(SECTIONS)}")
    terms: list[Term] = []
    lookup: dict[tuple[str, str], Term] = {}
    for section, entries in doc.items():
        for english, entry in (entries or {}).items():
            entry = dict(entry or {})
            aliases = entry.pop("aliases", [])
            unknown = set(entry) - set(LANGUAGES)
            if unknown:
                raise UserError(f"{source}: {section}/{english}: unknown languages {sorted(unknown)}")
            forms: dict[str, tuple[str, ...]] = {"en": (english,)}
            genders: dict[str, str] = {}
            for lang, raw in entry.items():
                forms[lang], gender = _forms(source, section, english, lang, raw)
                if gender:
                    genders[lang] = gender
            term = Term(english, section, forms, genders)
            terms.append(term)
            for name in (english, *aliases):
                key = (section, str(name).casefold())
                if key in lookup:
                    raise UserError(f"{source}: {section}: {name!r} is listed twice")
                lookup[key] = term
    return Glossary(terms, lookup)


@lru_cache(maxsize=8)
def load_glossary(path: str | None = None) -> Glossary:
    """The shipped glossary, or a curator's own file."""
    return parse_glossary(Path(path) if path else Path(str(_DEFAULT)))
