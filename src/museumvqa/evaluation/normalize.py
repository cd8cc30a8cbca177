"""Answer normalisation, so that "The two Oils." and "2 oils" compare as the same words.

Steps, in order: Unicode NFKC, lower case, elided articles dropped ("l'huile" -> "huile"), apostrophes
deleted ("artist's" -> "artists"), other punctuation turned into spaces ("self-portrait" ->
"self portrait"), articles of the answer's language dropped, number words turned into digits,
whitespace collapsed. Accents are kept: "Degas" and "Dégas" are different answers (strict matching);
lenient matching (`lenient.py`) folds them afterwards with `fold`.

Articles are dropped before number words are mapped, so in languages whose indefinite article is
also the word for one (fr "un", de "ein", nl "een", sv "en") that word is dropped on both sides
alike. A language without tables here (or an unknown tag) gets only the language-free steps.
"""

from __future__ import annotations

import re
import unicodedata

ARTICLES: dict[str, frozenset[str]] = {
    "en": frozenset("a an the".split()),
    "fr": frozenset("le la les un une des".split()),
    "de": frozenset("der die das den dem des ein eine einen einem einer eines".split()),
    "es": frozenset("el la los las un una unos unas".split()),
    "it": frozenset("il lo la i gli le un uno una".split()),
    "nl": frozenset("de het een".split()),
    "sv": frozenset("en ett den det de".split()),
}

# Articles written joined to the next word with an apostrophe: fr/it "l'", it "un'".
ELIDED_ARTICLES: dict[str, tuple[str, ...]] = {"fr": ("l",), "it": ("l", "un")}


def _counting(words: str) -> dict[str, str]:
    """Number words listed from zero upwards -> their digits."""
    return {word: str(value) for value, word in enumerate(words.split())}


NUMBER_WORDS: dict[str, dict[str, str]] = {
    "en": _counting(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
        " fifteen sixteen seventeen eighteen nineteen twenty"
    ),
    "fr": _counting("zéro un deux trois quatre cinq six sept huit neuf dix onze douze"),
    "de": _counting("null eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf"),
    "es": _counting("cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce"),
    "it": _counting("zero uno due tre quattro cinque sei sette otto nove dieci undici dodici"),
    "nl": _counting("nul een twee drie vier vijf zes zeven acht negen tien elf twaalf"),
    "sv": _counting("noll ett två tre fyra fem sex sju åtta nio tio elva tolv"),
}

# Typographic and modifier apostrophes all mean the same elision mark.
_APOSTROPHES = str.maketrans({c: "'" for c in "’‘ʼ`´"})
_ELISION_PATTERNS: dict[str, re.Pattern[str]] = {
    lang: re.compile(r"(?<!\w)(?:" + "|".join(prefixes) + r")'") for lang, prefixes in ELIDED_ARTICLES.items()
}


def _language(lang: str) -> str:
    """Primary subtag of a language tag: "fr-CA" -> "fr"."""
    return lang.split("-")[0].split("_")[0].lower()


def _strip_punctuation(text: str) -> str:
    """Delete apostrophes; every other Unicode punctuation character becomes a space."""
    return "".join("" if c == "'" else " " if unicodedata.category(c).startswith("P") else c for c in text)


def normalize_answer(text: str, lang: str = "en") -> str:
    """The comparable form of an answer (see the module docstring for the steps)."""
    lang = _language(lang)
    text = unicodedata.normalize("NFKC", text).lower().translate(_APOSTROPHES)
    if lang in _ELISION_PATTERNS:
        text = _ELISION_PATTERNS[lang].sub(" ", text)
    articles = ARTICLES.get(lang, frozenset())
    numbers = NUMBER_WORDS.get(lang, {})
    words = (numbers.get(w, w) for w in _strip_punctuation(text).split() if w not in articles)
    return " ".join(words)


def content_tokens(text: str, lang: str = "en") -> list[str]:
    """Words of the normalised answer, the units of token precision and recall."""
    return normalize_answer(text, lang).split()


def raw_tokens(text: str) -> list[str]:
    """Lower-cased NFKC words with nothing removed: the fallback for a gold answer that
    normalises to nothing (e.g. the gold answer "The")."""
    return unicodedata.normalize("NFKC", text).lower().split()


# Letters that NFKD does not split into a base letter and a mark, written the way an ASCII keyboard would.
_UNSPLIT_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})


def fold(text: str) -> str:
    """Accent and case folding for lenient matching: NFKD, combining marks dropped, case folded
    ("Dégas" -> "degas", "Straße" -> "strasse", "Ørsted" -> "orsted"). Strict matching never calls it."""
    decomposed = unicodedata.normalize("NFKD", text).casefold().translate(_UNSPLIT_LETTERS)
    return "".join(c for c in decomposed if not unicodedata.combining(c))
