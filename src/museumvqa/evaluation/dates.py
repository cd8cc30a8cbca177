"""Date expressions in answers read as inclusive year spans, so lenient matching can say that "1885"
lies in "the 1880s" (strict matching compares words and scores that 0).

What is read (on accent- and case-folded text, `normalize.fold`):
- years of 3 or 4 digits (100-2099): "1885"; circa words ("c.", "ca.", "circa", "about", "vers", "um",
  "hacia", "intorno al", "omkring"...) are ignored, so "c. 1885" is the year 1885, not wider;
- ranges: "1880-1885", "1880–85", "1880/85", "1880 to 1885" (an end before the start is no range);
- decades: en "1880s" / "1880's", de "1880er (Jahre)", fr "années 1880", es "años 1880",
  it "anni 1880", nl "jaren 1880", sv "1880-talet";
- centuries: en "19th century" / "19th c." / "nineteenth century", fr "XIXe siècle" / "19e siècle" /
  "XIXème siècle", de "19. Jahrhundert" / "19. Jh.", es "siglo XIX", it "XIX secolo" / "secolo XIX" /
  "Ottocento", nl "19de eeuw" / "19e eeuw", sv "1800-talet", and a decade form ending in 00 ("1800s",
  "1800-talet", "1800er") read as its century, as English and Swedish use it. The N-th century spans
  100(N-1) to 100N inclusive: both the popular reckoning (1800-1899) and the strict one (1801-1900,
  the one the questions' `century` answers use) count.
- a bare number of one or two digits, with or without an ordinal suffix ("19", "19th", "19e", "19."):
  the answer to "which century?" (the `century` answers are bare numbers); it is read as a century
  only beside an answer that names a century.

Not read: dates before year 100 and BC/BCE dates (an era marker makes the text no date), years in
words, two-digit decades ("the '80s"), "early/mid/late" (ignored in a prediction, so its span is the
whole decade or century; in a gold answer they make it no date: the gold is narrower than we could
say), days and months (a prediction's year is read; a gold answer with a day or month is no date).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from museumvqa.evaluation.normalize import fold

Span = tuple[int, int]  # first and last year, inclusive

DECADE_WIDTH = 10  # the widest prediction span that may contain a narrower gold span (see `dates_match`)

_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
_ORDINAL_WORDS = (
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth"
    " fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"
).split()
_ITALIAN_CENTURIES = {
    "duecento": 13,
    "trecento": 14,
    "quattrocento": 15,
    "cinquecento": 16,
    "seicento": 17,
    "settecento": 18,
    "ottocento": 19,
    "novecento": 20,
}
_ERA = re.compile(r"\b(?:b\.?\s?c\.?(?:e\.?)?|a\.?\s?c\.?|av\.?\s?j\.?-?c|v\.?\s?chr|f\.?\s?kr|v\.?\s?c\.?)(?!\w)")
# Words a gold date may carry beside its date ("c. 1885", "in the 1880s", "um 1885", "vers 1885").
FILLER = frozenset(
    "c ca circa cca approx approximately about around in the of von um etwa gegen vers environ en le la les des du"
    " de del hacia alrededor sobre h intorno al nel verso omkring cirka pa omstreeks rond ongeveer het anno year"
    " and or".split()
)


def roman(text: str) -> int | None:
    """The value of a roman numeral (i..xxi and beyond), or None when it is not one."""
    if not text or any(c not in _ROMAN for c in text):
        return None
    values = [_ROMAN[c] for c in text]
    total = sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))
    return total if 0 < total and _to_roman(total) == text else None


def _to_roman(number: int) -> str:
    out = ""
    for value, letters in (
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ):
        while number >= value:
            out, number = out + letters, number - value
    return out


def century_span(number: int) -> Span:
    """The N-th century, inclusive of both reckonings: 100(N-1) .. 100N."""
    return (100 * (number - 1), 100 * number)


def _number(token: str) -> int | None:
    return int(token) if token.isdigit() else roman(token)


def _century(match: re.Match[str]) -> tuple[Span, str] | None:
    number = _number(match["n"])
    return (century_span(number), "century") if number and 1 <= number <= 21 else None


def _century_word(match: re.Match[str]) -> tuple[Span, str] | None:
    word = match["w"]
    number = _ORDINAL_WORDS.index(word) + 1 if word in _ORDINAL_WORDS else _ITALIAN_CENTURIES[word]
    return century_span(number), "century"


def _decade(match: re.Match[str]) -> tuple[Span, str] | None:
    start = int(match["y"])
    if start % 100 == 0:  # "1800s", "1800-talet": the century
        return century_span(start // 100 + 1), "century"
    return (start, start + 9), "decade"


def _range(match: re.Match[str]) -> tuple[Span, str] | None:
    start, end_text = int(match["a"]), match["b"]
    end = int(end_text) if len(end_text) >= 3 else int(str(start)[: len(str(start)) - len(end_text)] + end_text)
    return ((start, end), "range") if start < end <= start + 1000 else None


def _year(match: re.Match[str]) -> tuple[Span, str] | None:
    year = int(match["y"])
    return ((year, year), "year") if 100 <= year <= 2099 else None


_ROMAN_OR_DIGITS = r"(?P<n>\d{1,2}|[ivxlc]{1,6})"
_ORDINAL = "|".join(_ORDINAL_WORDS)
# In priority order: each match is removed from the text before the next pattern looks.
_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], tuple[Span, str] | None]]] = [
    (re.compile(r"(?<!\w)(?P<y>\d{3}0)\s?-?\s?tal(?:et)?(?!\w)"), _decade),  # sv
    (re.compile(r"(?<!\w)(?P<y>\d{3}0)\s?'?s(?!\w)"), _decade),  # en
    (re.compile(r"(?<!\w)(?P<y>\d{3}0)er(?:\s?jahre)?(?!\w)"), _decade),  # de
    (re.compile(r"(?<!\w)(?:annees|anni|anos|jaren|decennium)\s(?P<y>\d{3}0)(?!\w)"), _decade),  # fr it es nl
    (re.compile(rf"(?<!\w)(?P<w>{_ORDINAL})[\s-]centur(?:y|ies)(?!\w)"), _century_word),  # en, in words
    (
        re.compile(
            r"(?<!\w)(?P<w>duecento|trecento|quattrocento|cinquecento|seicento|settecento|ottocento|novecento)(?!\w)"
        ),
        _century_word,
    ),  # it
    (re.compile(r"(?<!\w)(?P<n>\d{1,2})(?:st|nd|rd|th)[\s-](?:century|centuries|cent\.?|c\.)(?!\w)"), _century),  # en
    (re.compile(rf"(?<!\w){_ROMAN_OR_DIGITS}\s?(?:e|eme|er|ieme|de|ste)?\s(?:siecle|eeuw)(?!\w)"), _century),  # fr nl
    (re.compile(r"(?<!\w)(?P<n>\d{1,2})\.\s?(?:jahrhundert|jhdt?\.?|jh\.?)(?!\w)"), _century),  # de
    (re.compile(rf"(?<!\w)(?:siglo|s\.|secolo|sec\.)\s{_ROMAN_OR_DIGITS}(?!\w)"), _century),  # es it
    (re.compile(rf"(?<!\w){_ROMAN_OR_DIGITS}\s(?:secolo|sec\.)(?!\w)"), _century),  # it
    (re.compile(r"(?<!\d)(?P<a>\d{3,4})\s?(?:-|–|—|/|to|till|bis|a|al|au)\s?(?P<b>\d{2,4})(?!\d)"), _range),
    (re.compile(r"(?<!\d)(?P<y>\d{3,4})(?!\d)"), _year),
]
# Text without any of these holds no date: most answers skip the patterns.
_MAY_HOLD_DATE = re.compile(r"\d|centur|siecle|jahrhundert|siglo|secolo|sec\.|s\.|eeuw|cento")
_BARE = re.compile(r"(?P<n>\d{1,2})(?:st|nd|rd|th|e|eme|er|de|ste|\.|º|ª|o)?")


@dataclass(frozen=True)
class DateReading:
    """What an answer says as a date: its span (the hull of every date in it) and the kind of the widest
    part (year, range, decade, century), or a bare number that may be a century."""

    span: Span | None = None
    kind: str = ""
    bare: int | None = None


@functools.lru_cache(maxsize=1 << 16)  # gold answers and predictions repeat: each is read once
def read_date(text: str, whole: bool) -> DateReading | None:
    """The date an answer gives, or None. With `whole`, the answer must be nothing but a date (and filler
    words such as "c." or "in the"): the rule for gold answers; otherwise a date anywhere counts
    ("painted in 1885"), for predictions."""
    folded = fold(text).strip()
    bare = _BARE.fullmatch(folded.strip(" ."))
    if bare:
        return DateReading(bare=int(bare["n"]))
    if not _MAY_HOLD_DATE.search(folded) or _ERA.search(folded):
        return None
    spans: list[tuple[Span, str]] = []
    rest = folded
    for pattern, read in _PATTERNS:
        for match in pattern.finditer(rest):
            found = read(match)
            if found:
                spans.append(found)
                rest = rest[: match.start()] + " " * (match.end() - match.start()) + rest[match.end() :]
    if not spans:
        return None
    if whole:
        words = re.sub(r"[^\w]+", " ", rest).split()
        if any(w not in FILLER for w in words):  # "early", "Paris", "gift of": not a date alone
            return None
    start, end = min(s[0][0] for s in spans), max(s[0][1] for s in spans)
    widest = max(spans, key=lambda s: s[0][1] - s[0][0])[1]
    return DateReading(span=(start, end), kind=widest)


def _within(inner: Span, outer: Span) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1]


def dates_match(gold: DateReading, prediction: DateReading) -> bool:
    """A prediction's date counts when its span lies within the gold's span (at least as precise and
    inside it: "1885" for "1880s", "1880s" for "19th century"), or when the gold lies within the
    prediction's span and that span is no wider than a decade ("1880s" for "1885"; "19th century" for
    "1885" is too vague). A bare number is read as a century only beside a century ("19" and
    "XIXe siècle"); two bare numbers match when equal ("19th" and "19")."""
    if gold.bare is not None and prediction.bare is not None:
        return gold.bare == prediction.bare
    if gold.bare is not None:
        if prediction.kind != "century" or not 1 <= gold.bare <= 21:
            return False
        gold = DateReading(span=century_span(gold.bare), kind="century")
    if prediction.bare is not None:
        if gold.kind != "century" or not 1 <= prediction.bare <= 21:
            return False
        prediction = DateReading(span=century_span(prediction.bare), kind="century")
    if gold.span is None or prediction.span is None:
        return False
    width = prediction.span[1] - prediction.span[0] + 1
    return _within(prediction.span, gold.span) or (_within(gold.span, prediction.span) and width <= DECADE_WIDTH)
