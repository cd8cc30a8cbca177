"""Lenient answer matching: what a fair reader would also accept beside the strict word match, scored by
its own metrics ("(lenient)" in every label) so the strict figures stay as they were.

Per gold alias (the gold `answers` list already holds a name's aliases, "Rembrandt" beside
"Rembrandt van Rijn"; lenient matching uses them as strict matching does), the best of:
- folded words: the strict content tokens with accents and case folded (`normalize.fold`): "Dégas" is
  "Degas", "Straße" is "Strasse"; token precision, recall and exact match as in strict matching;
- a date (`dates.py`): when the whole gold alias is a date expression and the prediction gives a date
  that `dates.dates_match` accepts ("1885" for "1880s", "1880s" for "1885", "XIXe siècle" for the
  century answer "19"), the answer counts as exact (p = r = 1); words around a predicted date are not
  held against it ("painted in 1885");
- a surname: in a person-name category (`PERSON_CATEGORIES`), a prediction that is exactly the surname
  of a gold name of two or more words counts as exact: "van Gogh" for "Vincent van Gogh" (lower-case
  particles belong to the surname), "Bruegel" for "Pieter Bruegel the Elder" (generation suffixes are
  dropped), "Turner" for "Turner, Joseph Mallord William" (the part before a comma). Names with a word
  of a firm or workshop ("Tiffany Studios") have no surname. Two people with one surname are not
  told apart: this is the rule's known cost.
A lenient figure is never below its strict one: each per-answer score is the better of the two.
"""

from __future__ import annotations

import functools
import re

from museumvqa.evaluation.dates import dates_match, read_date
from museumvqa.evaluation.normalize import content_tokens, fold

# Question categories whose gold answers are people's names (the categories registry of questions/).
PERSON_CATEGORIES = frozenset({"creator"})
PARTICLES = frozenset("van von de da del della dei di du des la le ter ten den der dos das zu af".split())
_GENERATION = re.compile(
    r"[\s,]+(?:the elder|the younger|the elder and the younger|der altere|der jungere|d\.\s?a\.|d\.\s?j\.|"
    r"l'ancien|le jeune|le vieux|il vecchio|il giovane|el viejo|el joven|de oude|de jonge|d\.\s?y\.|d\.\s?a\.|"
    r"jr\.?|sr\.?|ii|iii|iv)$"
)
_BRACKETS = re.compile(r"\s*[(\[][^)\]]*[)\]]")
ORGANISATION_WORDS = frozenset(
    "studio studios workshop atelier werkstatt taller bottega werkplaats verkstad company co inc ltd gmbh"
    " manufactory manufacture manufaktur factory fabrik fabrique fabbrica fabriek firm sons brothers freres"
    " & and et und y e en och school circle follower followers".split()
)


@functools.lru_cache(maxsize=1 << 16)  # gold answers and predictions repeat
def folded_tokens(text: str, lang: str = "en") -> tuple[str, ...]:
    """The strict content tokens, accent- and case-folded (a token that folds to nothing is dropped)."""
    return tuple(token for token in (fold(t) for t in content_tokens(text, lang)) if token)


def surname(name: str) -> str | None:
    """The surname of a person's name as catalogued, or None when it has none we can tell."""
    text = _BRACKETS.sub("", fold(name)).strip(" ,;")
    text = _GENERATION.sub("", text).strip(" ,;")
    if "," in text:
        text = text.split(",")[0].strip()
        return text if text and len(text.split()) <= 3 and not set(text.split()) & ORGANISATION_WORDS else None
    words = text.split()
    if len(words) < 2 or set(words) & ORGANISATION_WORDS:
        return None
    start = len(words) - 1
    while start > 1 and words[start - 1] in PARTICLES:
        start -= 1
    return " ".join(words[start:])


def lenient_match(prediction: str, alias: str, lang: str = "en", category: str | None = None) -> bool:
    """Whether the prediction counts as exact for this alias by a date or a surname (see the module)."""
    gold = read_date(alias, whole=True)
    if gold is not None:
        said = read_date(prediction, whole=False)
        if said is not None and dates_match(gold, said):
            return True
    if category in PERSON_CATEGORIES:
        last = surname(alias)
        said_words = folded_tokens(prediction, lang)
        return bool(last and said_words and said_words == folded_tokens(last, lang))
    return False
