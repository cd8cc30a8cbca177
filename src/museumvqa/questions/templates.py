"""Question templates as reviewable data files, one per language (`templates/<lang>.yaml`).

A file holds the language's grammar bits (how to say "this painting" for each grammatical gender,
the words "and"/"on" for composed media, century patterns) and its templates grouped by category;
each category states the fields it needs and whether its answer is visible in the photograph.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from museumvqa.errors import UserError
from museumvqa.questions.categories import CATEGORIES, is_knowledge

_TEMPLATE_DIR = resources.files("museumvqa.questions") / "templates"
_VOWEL = tuple("aeiouhâàéèêëîïôœûüAEIOUHÉÈ")


@dataclass(frozen=True)
class Template:
    id: str
    category: str
    visual: bool
    text: str
    language: str
    needs: tuple[str, ...] = ()
    placeholders: frozenset[str] = frozenset()
    knowledge: bool = False  # `categories.is_knowledge`: a knowledge category, naming no one

    @property
    def names_someone(self) -> bool:
        """The template names a person from the record ({person}, {creator}): filled in per exhibit."""
        return bool(self.placeholders & CATEGORIES[self.category].slots)


@dataclass(frozen=True)
class LanguageSpec:
    """Everything question generation needs to know about one language."""

    language: str
    templates: tuple[Template, ...]
    noun_phrases: dict[str, dict[str, str]]
    words: dict[str, str]
    century: tuple[str, ...]

    def noun_phrase(self, name: str, noun: str | None, gender: str | None) -> str:
        """'cet album', 'diesen Druck', 'this painting'; the phrase's `default` when the noun is unknown here."""
        patterns = self.noun_phrases[name]
        if noun is not None:
            keys = [f"{gender}_vowel"] if noun.startswith(_VOWEL) else []
            for key in (*keys, gender, "any"):
                if key and key in patterns:
                    return patterns[key].format(noun=noun)
        return patterns["default"]


def available_languages() -> list[str]:
    return sorted(p.name.removesuffix(".yaml") for p in _TEMPLATE_DIR.iterdir() if p.name.endswith(".yaml"))


def load_templates(language: str, path: str | Path | None = None) -> list[Template]:
    """Templates of one language, from the shipped file or a curator's own YAML file."""
    return list(load_language(language, str(path) if path else None).templates)


@lru_cache(maxsize=32)
def load_language(language: str, path: str | None = None) -> LanguageSpec:
    """One language's file, checked: known categories, known placeholders, unique ids."""
    source = Path(path) if path else Path(str(_TEMPLATE_DIR / f"{language}.yaml"))
    if not source.is_file():
        raise UserError(
            f"no question templates for language {language!r}; available: {', '.join(available_languages())}"
        )
    try:
        doc = yaml.safe_load(source.read_text(encoding="utf-8"))
        return _parse(source, doc)
    except (yaml.YAMLError, KeyError, TypeError, AttributeError, ValueError) as e:
        raise UserError(f"{source}: invalid template file ({type(e).__name__}: {e})") from None


def _parse(source: Path, doc: dict[str, Any]) -> LanguageSpec:
    language = doc["language"]
    noun_phrases = {name: dict(p) for name, p in (doc.get("noun_phrases") or {}).items()}
    for name, patterns in noun_phrases.items():
        if "default" not in patterns:
            raise UserError(f"{source}: noun phrase {name!r} needs a `default`")
    templates: list[Template] = []
    for name, block in doc["categories"].items():
        if name not in CATEGORIES:
            raise UserError(f"{source}: unknown category {name!r}; known: {', '.join(CATEGORIES)}")
        if set(block) != {"templates"}:
            raise UserError(
                f"{source}: category {name!r} holds only `templates` (visual, needs and slots are declared once, "
                "in museumvqa.questions.categories)"
            )
        declared = CATEGORIES[name]
        allowed = set(noun_phrases) | declared.slots
        for tid, text in block["templates"].items():
            names = frozenset(f for _, f, _, _ in string.Formatter().parse(text) if f is not None)
            if names - allowed:
                raise UserError(f"{source}: template {tid}: unknown placeholders {sorted(names - allowed)}")
            slot_fields = sorted(n for n in names if n in declared.slots)
            needs = tuple(dict.fromkeys([*declared.needs, *slot_fields]))
            templates.append(
                Template(str(tid), name, declared.visual, text, language, needs, names, is_knowledge(name, names))
            )
    ids = [t.id for t in templates]
    if len(ids) != len(set(ids)):
        raise UserError(f"{source}: duplicate template ids")
    words = dict(doc.get("words") or {})
    if set(words) != {"and", "on"}:
        raise UserError(f"{source}: `words` must give exactly `and` and `on`")
    return LanguageSpec(language, tuple(templates), noun_phrases, words, tuple(doc["century"]))
