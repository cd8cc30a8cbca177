"""Which supported language a visitor's question is written in (en, fr, de, es, it, nl, sv).

Visitor questions are short ("Wer hat das gemalt?", "C'est de qui ?"), too short for general-purpose
detectors and not worth a dependency. This is a small naive Bayes model over three kinds of evidence,
learned from the project's own texts (the question templates, the glossary's translations and the
curated word lists of `data/words.yaml`):

- whole words (function words and museum words decide most short questions: "wer", "qui", "vem");
- character n-grams of 1-4 letters (morphology and diacritics for words it has not seen: "gemalt",
  "målade", "pintó");
- punctuation habits ("¿" and "¡" are Spanish, a space before "?" is French).

`detect_language` gives the best language and its share of the probability, so a caller can tell a
confident guess from a coin toss. tests/serving/test_language.py measures it on paraphrases.
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from museumvqa.questions.glossary import load_glossary
from museumvqa.questions.templates import available_languages, load_language

_TOKEN = re.compile(r"[^\W\d_]+(?:['’](?=[^\W\d_]))?", re.UNICODE)
_MAX_N = 4
WORD_WEIGHT = 2.0  # a known word counts this many times a character n-gram score (set on the dev paraphrases)
_ALPHA = 0.5  # add-alpha smoothing
_DUTCH_SPLIT = frozenset({"van", "mee", "uit", "op", "aan", "over", "door"})  # "waar ... van" = "waarvan"


@dataclass(frozen=True)
class LanguageGuess:
    language: str
    confidence: float  # the best language's share of the probability, in (0, 1]
    scores: dict[str, float]  # log-likelihood per language, for diagnostics


def tokens(text: str) -> list[str]:
    """Lower-case words; an elided article stays attached to its apostrophe ("l'", "qu'")."""
    return [t.replace("’", "'") for t in _TOKEN.findall(text.casefold())]


def _grams(token: str) -> list[str]:
    padded = f"^{token}$"
    return [padded[i : i + n] for n in range(1, _MAX_N + 1) for i in range(len(padded) - n + 1)]


def _marks(text: str) -> list[str]:
    """Punctuation habits: inverted marks, and a space before '?' or '!' (French typography)."""
    out = [c for c in text if c in "¿¡«»"]
    if re.search(r"\s[?!:;]", text):
        out.append(" ?")
    return out


class _Profile:
    """Smoothed log-probabilities of one kind of feature in one language."""

    def __init__(self, counts: Counter[str], vocabulary: int) -> None:
        total = sum(counts.values())
        self.denominator = math.log(total + _ALPHA * vocabulary)
        self.known = {f: math.log(c + _ALPHA) - self.denominator for f, c in counts.items()}
        self.unseen = math.log(_ALPHA) - self.denominator

    def score(self, feature: str) -> float:
        return self.known.get(feature, self.unseen)


class LanguageDetector:
    """Naive Bayes over words, character n-grams and punctuation, one profile per language."""

    def __init__(self, corpus: dict[str, list[str]]) -> None:
        words = {lang: Counter(t for text in texts for t in tokens(text)) for lang, texts in corpus.items()}
        grams = {lang: Counter(g for t in counts.elements() for g in _grams(t)) for lang, counts in words.items()}
        marks = {lang: Counter(m for text in texts for m in _marks(text)) for lang, texts in corpus.items()}
        self.languages = tuple(corpus)
        self._profiles = {
            kind: {lang: _Profile(counts[lang], len(set().union(*counts.values())) + 1) for lang in self.languages}
            for kind, counts in (("word", words), ("gram", grams), ("mark", marks))
        }

    def detect(self, text: str) -> LanguageGuess:
        found = tokens(text)
        marks = _marks(text)
        scores = {}
        for lang in self.languages:
            word, gram, mark = (self._profiles[k][lang] for k in ("word", "gram", "mark"))
            total = sum(WORD_WEIGHT * word.score(t) + sum(gram.score(g) for g in _grams(t)) / len(_grams(t))
                        for t in found)  # fmt: skip
            total += sum(mark.score(m) for m in marks)
            scores[lang] = total
        best = max(scores, key=lambda lang: (scores[lang], lang == "en"))
        top = scores[best]
        share = 1.0 / sum(math.exp(s - top) for s in scores.values())
        return LanguageGuess(best, share, scores)


def _template_texts(language: str) -> list[str]:
    """A language's templates, placeholders filled with the language's own default noun phrases."""
    spec = load_language(language)
    fill = {name: patterns["default"] for name, patterns in spec.noun_phrases.items()}
    texts = []
    for template in spec.templates:
        names = {f for _, f, _, _ in string.Formatter().parse(template.text) if f}
        texts.append(template.text.format(**{n: fill.get(n, "") for n in names}))
    return texts


def _glossary_texts(language: str) -> list[str]:
    glossary = load_glossary()
    return [form for term in glossary.terms for form in term.forms.get(language, ())]


@lru_cache(maxsize=1)
def curated_words() -> dict[str, dict[str, str]]:
    """`data/words.yaml`: per language, each word and its English gloss ("" when it has none)."""
    path = resources.files("museumvqa.serving") / "data" / "words.yaml"
    out: dict[str, dict[str, str]] = {}
    for lang, text in yaml.safe_load(path.read_text(encoding="utf-8")).items():
        entries = (item.partition(":") for item in text.split())
        out[lang] = {word.casefold(): gloss.replace("_", " ") for word, _, gloss in entries}
    return out


def gloss(text: str, language: str) -> str:
    """`text` read word by word in English through `data/words.yaml` ("Wer hat das gemalt?" -> "who has
    that painted"); words it does not know stay as they are (names, years)."""
    words = curated_words().get(language, {})
    found = tokens(text)
    english = [words.get(t) or t for t in found]
    if language == "nl" and found[:1] == ["waar"] and _DUTCH_SPLIT.intersection(found[1:]):
        english[0] = "what"  # "Waar is het van gemaakt?": Dutch splits "waarvan" (of what), it is not "where"
    return " ".join(english)


@lru_cache(maxsize=1)
def default_detector() -> LanguageDetector:
    """The detector for every template language, from the templates, the glossary and the curated words."""
    words = curated_words()
    corpus = {
        lang: [*_template_texts(lang), *_glossary_texts(lang), *words.get(lang, {})] for lang in available_languages()
    }
    return LanguageDetector(corpus)


def detect_language(text: str) -> LanguageGuess:
    """The language `text` is most likely written in, among the template languages."""
    return default_detector().detect(text)
