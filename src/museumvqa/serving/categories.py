"""Which question category a visitor's free text asks about, and in which language.

The question templates (all languages) are the reference: a question that matches a template exactly
(placeholders standing for any words) gets its category; otherwise the template sharing the most
words with it wins when it shares enough of them, words weighted by rarity across templates (so
"what is the" counts for little and "title" for much). A category also says whether its answer is visible in the
photograph (`visual`), which decides who answers in grounded mode.
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from museumvqa.questions.templates import Template, available_languages, load_templates

_PUNCTUATION = " ?.!¿¡"
_WORD = re.compile(r"\w+", re.UNICODE)
MIN_OVERLAP = 0.6  # rarity-weighted share of a template's own words a free-form question must contain


@dataclass(frozen=True)
class Detected:
    category: str
    language: str
    visual: bool
    needs: tuple[str, ...]
    exact: bool  # matched a template exactly, not just by shared words


def _words(text: str) -> frozenset[str]:
    return frozenset(w.casefold() for w in _WORD.findall(text))


def _pattern(template: Template) -> re.Pattern[str]:
    """Literal text matched case- and spacing-insensitively, placeholders as any words, end punctuation optional."""
    parts = []
    for literal, field, _, _ in string.Formatter().parse(template.text.strip(_PUNCTUATION)):
        parts.append(re.escape(" ".join(literal.split()).casefold()))
        if field is not None:
            parts.append(r".+?")
    return re.compile("".join(parts))


@lru_cache(maxsize=1)
def _index() -> tuple[list[tuple[Template, re.Pattern[str], frozenset[str]]], dict[str, float]]:
    """Every template with its pattern and literal words; each word's weight, log(templates / containing)."""
    out = []
    for language in available_languages():
        for template in load_templates(language):
            literal = "".join(lit for lit, _, _, _ in string.Formatter().parse(template.text))
            out.append((template, _pattern(template), _words(literal)))
    counts = Counter(word for _, _, words in out for word in words)
    return out, {word: math.log(len(out) / n) for word, n in counts.items()}


def detect_category(question: str, language: str | None = None) -> Detected | None:
    """The category of `question` (templates of `language` first when given); None when unrecognised."""
    text = " ".join(question.split()).casefold().strip(_PUNCTUATION)
    index, weight = _index()
    entries = sorted(index, key=lambda e: e[0].language != language)
    for template, pattern, _ in entries:
        if pattern.fullmatch(text):
            return _detected(template, exact=True)
    asked = _words(text)
    best, best_score = None, 0.0
    for template, _, words in entries:
        total = sum(weight[w] for w in words)
        if total > 0:
            score = sum(weight[w] for w in words & asked) / total
            if score > best_score:
                best, best_score = template, score
    if best is None or best_score < MIN_OVERLAP:
        return None
    return _detected(best, exact=False)


def _detected(template: Template, exact: bool) -> Detected:
    return Detected(template.category, template.language, template.visual, template.needs, exact)
