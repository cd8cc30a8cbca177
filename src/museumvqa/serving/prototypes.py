"""The example questions the category detector compares a visitor's question with.

Two sources, every language: the question templates (what the benchmark asks, placeholders filled
with "this work", "this painting" and "the artist" in the template's language) and the curated
prototypes of `data/prototypes.yaml` (how visitors ask: "Who painted it?", "Wer hat es gemalt?"),
including the `none` prototypes of questions that are not about the catalogue record. Each
prototype keeps its English reading (`language.gloss`) for the English sentence model.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from museumvqa.questions.categories import CATEGORIES
from museumvqa.questions.glossary import load_glossary
from museumvqa.questions.templates import LanguageSpec, available_languages, load_language
from museumvqa.serving.language import gloss

NONE = "none"  # the prototypes' name for "not a catalogue question"
_NOUNS = (None, "painting")  # "this work" and "this painting": the two readings of {this_object} kept


@dataclass(frozen=True)
class Prototype:
    text: str
    category: str  # a registered category, or NONE
    language: str
    source: str  # "template" or "curated"
    english: str  # the English reading the sentence model compares


@lru_cache(maxsize=1)
def _curated() -> dict:
    path = resources.files("museumvqa.serving") / "data" / "prototypes.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _filled(spec: LanguageSpec, text: str, fill: dict[str, str]) -> set[str]:
    """The template with each of the kept noun readings, person slots as `fill` says."""
    glossary = load_glossary()
    names = {f for _, f, _, _ in string.Formatter().parse(text) if f}
    out = set()
    for noun in _NOUNS:
        term = glossary.find("object_types", noun) if noun else None
        form = term.translate(spec.language) if term else None
        values = dict(fill)
        for name in spec.noun_phrases:
            if form:
                values[name] = spec.noun_phrase(name, form[0], term.genders.get(spec.language))  # type: ignore[union-attr]
            else:
                values[name] = spec.noun_phrase(name, None, None)
        out.add(text.format(**{n: values.get(n, "") for n in names}))
    return out


@lru_cache(maxsize=1)
def prototypes() -> tuple[Prototype, ...]:
    """Every language's template and curated prototypes; an unknown category in the data file is an error."""
    data = _curated()
    out: list[Prototype] = []
    for language in available_languages():
        spec = load_language(language)
        fill = data["fill"].get(language, {})
        for template in spec.templates:
            for text in sorted(_filled(spec, template.text, fill)):
                out.append(Prototype(text, template.category, language, "template", _english(text, language)))
        for category, block in (data["prototypes"].get(language) or {}).items():
            if category != NONE and category not in CATEGORIES:
                raise ValueError(f"data/prototypes.yaml: {language}: unknown category {category!r}")
            for text in block.splitlines():
                if text.strip():
                    out.append(Prototype(text.strip(), category, language, "curated", _english(text.strip(), language)))
    return tuple(out)


def _english(text: str, language: str) -> str:
    return text if language == "en" else gloss(text, language)
