"""What each question category can ask about one exhibit, taken from the record only.

A category function returns the exhibit's `Facts` (candidate answers with their language, plus the
names a template may mention) or None: no value, no question. `gold` turns facts into the answers of
one question language: record values in that language first, controlled-vocabulary values through
the glossary when every value has a translation, otherwise the source values keeping their own tag.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple

from museumvqa.catalog.schema import Exhibit, Person, clean_text
from museumvqa.questions.glossary import Glossary, Term

if TYPE_CHECKING:
    from museumvqa.questions.templates import LanguageSpec

# Creator values that name nobody; asking "who made this?" with these as gold teaches nothing.
_ANONYMOUS = re.compile(r"^(unidentified|unknown|anonymous)\b", re.IGNORECASE)
_PARENTHESISED = re.compile(r"^(?P<main>[^()]+?)\s*\((?P<inner>[^()]+)\)$")
# Placeholder texts some catalogues store instead of leaving a field empty.
_NO_VALUE = re.compile(r"^(date )?(not known|unknown|undated|n\.\s?d\.?|none|\?)$", re.IGNORECASE)
# Tate-style flags saying that something is inscribed, not what: not an inscription text.
_INSCRIPTION_FLAG = re.compile(r"^((date|signature|title|signed|dated)( and )?)+ inscribed$", re.IGNORECASE)
_NEUTRAL = re.compile(r"^[\d\s\-–—/.,:()]+$")  # numbers and ranges read the same in every language
_METRIC = re.compile(r"(\d+(?:[.,]\d+)?(?:\s*[x×]\s*\d+(?:[.,]\d+)?){0,2})\s*(mm|cm|m)\b")
_MEDIUM_PIECES = re.compile(r"\.\s+|;\s*")
_MEDIUM_TERMS = re.compile(r",\s*(?:and\s+)?|\s+and\s+|\s+with\s+")
_VERSO = re.compile(r"^verso:\s*", re.IGNORECASE)

NEUTRAL = "*"  # language of a value that reads the same in every language (years, measurements, names)
UNTAGGED = "und"  # BCP-47 "undetermined": the source did not say which language a value is in
SLOTS: dict[str, frozenset[str]] = {
    "creator_role": frozenset({"creator"}),
    **{c: frozenset({"person"}) for c in ("birth_year", "death_year", "birth_place", "death_place", "nationality")},
}


class Candidate(NamedTuple):
    """One possible gold answer: its text, its language (NEUTRAL: any), and whether we derived it.

    Candidates, facts and gold answers are named tuples: the generator makes millions of them, and a
    tuple is built and hashed (as a cache key) in C.
    """

    text: str
    lang: str | None
    derived: bool = False


_NO_SLOTS: Mapping[str, str] = MappingProxyType({})


class Facts(NamedTuple):
    """A category's answers for one exhibit, before choosing the question language (see `gold`)."""

    candidates: tuple[Candidate, ...]
    section: str | None = None  # glossary section translating the values, if they are vocabulary
    slots: Mapping[str, str] = _NO_SLOTS  # names templates may mention: {person}, {creator}
    century: int | None = None  # century answers are written per language (see templates' `century`)
    composed: tuple[tuple[str, ...], ...] = ()  # medium as (materials, supports) English terms, to translate


class Gold(NamedTuple):
    answers: list[str]
    language: str
    derived: bool


def unique(values: list[str]) -> list[str]:
    """Cleaned values without case-insensitive repeats, first spelling kept."""
    seen: dict[str, str] = {}
    for v in values:
        text = clean_text(v)
        if text is not None and text.casefold() not in seen:
            seen[text.casefold()] = text
    return list(seen.values())


def name_aliases(name: str) -> list[str]:
    """'El Greco (Domenikos Theotokopoulos)' -> itself, 'El Greco', 'Domenikos Theotokopoulos'."""
    match = _PARENTHESISED.match(name)
    if not match:
        return [name]
    return unique([name, match["main"], match["inner"]])


def medium_terms(medium: str) -> list[list[str]]:
    """'Graphite and watercolour on paper' -> [['graphite', 'watercolour'], ['paper']]: lower-case terms.

    One list per segment (split at ' on ') of every piece ('.' and ';' separate pieces; 'Verso:' dropped).
    """
    segments: list[list[str]] = []
    for piece in _MEDIUM_PIECES.split(medium.strip().rstrip(".")):
        piece = _VERSO.sub("", piece.strip())
        for segment in re.split(r"\s+on\s+", piece, flags=re.IGNORECASE):
            terms = [t.strip().lower() for t in _MEDIUM_TERMS.split(segment) if t.strip()]
            if terms:
                segments.append(terms)
    return segments


def _values(ex: Exhibit, attribute: str) -> list[Candidate]:
    seen: set[str] = set()
    out = []
    for v in ex.attributes.get(attribute, []):
        found = _candidate(v.value, v.lang)
        if found is not None and found[1] not in seen:
            seen.add(found[1])
            out.append(found[0])
    return out


@lru_cache(maxsize=1 << 16)
def _candidate(text: str, lang: str | None) -> tuple[Candidate, str] | None:
    """A value as a candidate answer, with its case-folded text; None for a placeholder ('n.d.', 'unknown').

    Cached: most values (departments, credit lines, dates, subjects) recur across a collection's records.
    """
    if _NO_VALUE.match(text):
        return None
    return Candidate(text, NEUTRAL if _NEUTRAL.match(text) else lang or UNTAGGED), text.casefold()


def _facts(candidates: list[Candidate], **kw: object) -> Facts | None:
    return Facts(tuple(candidates), **kw) if candidates else None  # type: ignore[arg-type]


def title_facts(ex: Exhibit, glossary: Glossary) -> Facts | None:
    return _facts(_values(ex, "title"))


def creator_facts(ex: Exhibit, glossary: Glossary) -> Facts | None:
    names = [v for v in ex.values("creator") if not _ANONYMOUS.match(v)]
    return _facts([Candidate(a, NEUTRAL) for a in unique([alias for n in names for alias in name_aliases(n)])])


def creator_role_facts(ex: Exhibit, glossary: Glossary) -> Facts | None:
    for v in ex.attributes.get("creator", []):
        if v.role and not _ANONYMOUS.match(v.value):
            return Facts((Candidate(v.role, v.lang or UNTAGGED),), section="roles", slots={"creator": v.value})
    return None


def date_facts(ex: Exhibit, glossary: Glossary) -> Facts | None:
    candidates = _values(ex, "date")
    if not candidates:
        return None
    if ex.date_begin is not None and ex.date_begin == ex.date_end:
        candidates.append(Candidate(str(ex.date_begin), NEUTRAL, derived=True))
    return _facts(_dedupe(candidates))


def century_facts(ex: Exhibit, glossary: Glossary) -> Facts | None:
    """The century when begin and end years fall in the same one (years after 0 only)."""
    begin, end = ex.date_begin, ex.date_end
    if begin is None or end is None or begin < 1 or end < begin or (begin - 1) // 100 != (end - 1) // 100:
        return None
    century = (begin - 1) // 100 + 1
    return Facts((Candidate(str(century), NEUTRAL, derived=True),), century=century)


def medium_facts(ex: Exhibit, glossary: Glossary) -> Facts | None:
    candidates = _values(ex, "medium")
    if not candidates:
        return None
    composed = _composition(candidates[0].text, glossary) if len(candidates) == 1 else ()
    return Facts(tuple(candidates), composed=composed)


@lru_cache(maxsize=1 << 14)
def _composition(medium: str, glossary: Glossary) -> tuple[tuple[str, ...], ...]:
    """'Oil on canvas' -> (('oil paint',), ('canvas',)): its English glossary terms, () unless all are known.

    Cached: a collection writes the same few hundred media on most of its records.
    """
    segments = medium_terms(medium)
    if not (1 <= len(segments) <= 2 and len(medium_pieces(medium)) == 1):
        return ()
    terms = [[_vocabulary(glossary, t) for t in seg] for seg in segments]
    if not all(all(terms_) for terms_ in terms):
        return ()
    return tuple(tuple(t for t in seg if t) for seg in terms)


def medium_pieces(medium: str) -> list[str]:
    return [p for p in _MEDIUM_PIECES.split(medium.strip().rstrip(".")) if p.strip()]


def _vocabulary(glossary: Glossary, term: str) -> str | None:
    for section in ("materials", "techniques"):
        found = glossary.find(section, term)
        if found:
            return found.english
    return None


def _medium_split(ex: Exhibit, glossary: Glossary) -> tuple[list[str], list[str]] | None:
    """(materials, techniques) named by the medium, or None when any term is not in the glossary."""
    return _split_media(tuple(ex.values("medium")), glossary)


@lru_cache(maxsize=1 << 14)
def _split_media(media: tuple[str, ...], glossary: Glossary) -> tuple[list[str], list[str]] | None:
    """Cached per distinct media, as `_composition`; the lists are shared: never mutate them."""
    materials: list[str] = []
    techniques: list[str] = []
    for value in media:
        for segment in medium_terms(value):
            for term in segment:
                if glossary.find("object_types", term) and not glossary.find("techniques", term):
                    continue  # a format such as 'Handscroll; ink on silk': the object, not a material
                material, technique = glossary.find("materials", term), glossary.find("techniques", term)
                if technique:
                    techniques.append(technique.english)
                elif material:
                    materials.append(material.english)
                else:
                    return None
    return unique(materials), unique(techniques)


def material_facts(ex: Exhibit, glossary: Glossary) -> Facts | None:
    split = _medium_split(ex, glossary)
    if split is None:
        return None
    return _facts([Candidate(m, "en", derived=True) for m in split[0]], section="materials")


def technique_facts(ex: Exhibit, glossary: Glossary) -> Facts | None:
    candidates = _values(ex, "technique")
    split = _medium_split(ex, glossary)
    if split is not None:
        candidates += [Candidate(t, "en", derived=True) for t in split[1]]
    return _facts(_dedupe(candidates), section="techniques")


def object_type_facts(ex: Exhibit, glossary: Glossary) -> Facts | None:
    """The object type, else the classification when it names a kind of object the glossary knows.

    Tate, for one, only classifies ('on paper, print', 'sculpture'); a classification the glossary
    does not list as an object type ('Paintings' collections, 'supporting material') asks nothing.
    """
    candidates = _values(ex, "object_type")
    if not candidates:
        candidates = [c for c in _values(ex, "classification") if glossary.find("object_types", c.text)]
    return _facts(candidates, section="object_types")


def culture_facts(ex: Exhibit, glossary: Glossary) -> Facts | None:
    return _facts(_dedupe(_values(ex, "culture") + _values(ex, "place")))


def dimensions_facts(ex: Exhibit, glossary: Glossary) -> Facts | None:
    """The catalogue text, with its first metric measurement ('114.5 x 55.6 cm') as a derived answer."""
    candidates = _values(ex, "dimensions")
    if not candidates:
        return None
    match = _METRIC.search(candidates[0].text)
    if match:
        measure = re.sub(r"\s*[x×]\s*", " x ", match[1])
        candidates.insert(0, Candidate(f"{measure} {match[2]}", NEUTRAL, derived=True))
    return _facts(_dedupe(candidates))


def inscription_facts(ex: Exhibit, glossary: Glossary) -> Facts | None:
    return _facts([c for c in _values(ex, "inscription") if not _INSCRIPTION_FLAG.match(c.text)])


def _plain(attribute: str) -> Callable[[Exhibit, Glossary], Facts | None]:
    return lambda ex, glossary: _facts(_values(ex, attribute))


def _person(ex: Exhibit, fact: str) -> Person | None:
    """The first linked person with this fact, creators first: templates name them as {person}."""
    if not ex.people:
        return None
    creators = set(ex.values("creator"))
    known = [p for p in ex.people if getattr(p, fact) is not None and not _ANONYMOUS.match(p.name)]
    return next((p for p in known if p.name in creators), known[0] if known else None)


def _person_facts(fact: str) -> Callable[[Exhibit, Glossary], Facts | None]:
    def facts(ex: Exhibit, glossary: Glossary) -> Facts | None:
        person = _person(ex, fact)
        if person is None:
            return None
        value = str(getattr(person, fact))
        slots = {"person": person.name}
        if fact.endswith("_year"):
            return Facts((Candidate(value, NEUTRAL),), slots=slots)
        if fact == "nationality":
            return Facts((Candidate(value, "en"),), section="nationalities", slots=slots)
        # A place 'Wigan, United Kingdom' also accepts 'Wigan'; place names are kept as catalogued.
        town = value.split(",")[0].strip()
        candidates = [Candidate(value, _record_language(ex))]
        if town != value:
            candidates.append(Candidate(town, _record_language(ex), derived=True))
        return Facts(tuple(candidates), slots=slots)

    return facts


def _record_language(ex: Exhibit) -> str:
    """The cataloguing language: that of the record's first tagged title."""
    return next((v.lang for v in ex.attributes.get("title", []) if v.lang), UNTAGGED)


def _dedupe(candidates: list[Candidate]) -> list[Candidate]:
    seen: set[str] = set()
    out = []
    for c in candidates:
        if c.text.casefold() not in seen:
            seen.add(c.text.casefold())
            out.append(c)
    return out


ANSWERS: dict[str, Callable[[Exhibit, Glossary], Facts | None]] = {
    "title": title_facts,
    "creator": creator_facts,
    "creator_role": creator_role_facts,
    "date": date_facts,
    "century": century_facts,
    "period": _plain("period"),
    "medium": medium_facts,
    "material": material_facts,
    "technique": technique_facts,
    "object_type": object_type_facts,
    "culture": culture_facts,
    "subject": _plain("subject"),
    "department": _plain("department"),
    "dimensions": dimensions_facts,
    "inscription": inscription_facts,
    "credit_line": _plain("credit_line"),
    "acquisition": _plain("acquisition_year"),
    "birth_year": _person_facts("birth_year"),
    "death_year": _person_facts("death_year"),
    "birth_place": _person_facts("birth_place"),
    "death_place": _person_facts("death_place"),
    "nationality": _person_facts("nationality"),
}


def gold(facts: Facts, spec: LanguageSpec, glossary: Glossary) -> Gold:
    """The answers of a question asked in `spec.language`, tagged with the language they are in."""
    return golds(facts, (spec,), glossary)[0]


def golds(facts: Facts, specs: Sequence[LanguageSpec], glossary: Glossary) -> list[Gold]:
    """`gold` for several question languages at once, as the generator asks them (seven or more per exhibit).

    Languages that no candidate is in share one answer list, ordered once; glossary translations, composed
    media and centuries come from caches keyed by plain strings, as vocabularies repeat across records.
    The returned lists are shared: never mutate them.
    """
    candidates = facts.candidates
    if facts.century is not None:
        return [Gold(_century_answers(facts.century, spec.century), spec.language, True) for spec in specs]
    derived = any(c.derived for c in candidates)
    tagged = {c.lang for c in candidates}
    english = tuple(c.text for c in candidates if c.lang == "en") if facts.section else ()
    shared: tuple[list[str], str | None] | None = None  # the ordering of languages no candidate is in
    out: list[Gold] = []
    for spec in specs:
        lang = spec.language
        if english and lang not in tagged:
            # The record's own value in this language wins; otherwise translate its English values.
            translated = _translate(english, facts.section, lang, glossary)  # type: ignore[arg-type]
            if translated:
                out.append(Gold(translated, lang, derived))
                continue
        if facts.composed and lang != "en" and candidates[0].lang != lang:
            composed = compose_medium(facts.composed, lang, (spec.words["and"], spec.words["on"]), glossary)
            if composed:
                out.append(Gold([composed], lang, True))
                continue
        if lang in tagged:
            texts, first = _ordered(candidates, lang)
        else:
            shared = shared or _ordered(candidates, NEUTRAL)
            texts, first = shared
        out.append(Gold(texts, lang if first == NEUTRAL else first, derived))  # type: ignore[arg-type]
    return out


def _ordered(candidates: tuple[Candidate, ...], lang: str) -> tuple[list[str], str | None]:
    """Texts in `lang` or neutral first, then the others; and the language of the first one."""
    own = [c for c in candidates if c.lang in (lang, NEUTRAL)]
    ordered = own + [c for c in candidates if c.lang not in (lang, NEUTRAL)]
    return [c.text for c in ordered], ordered[0].lang


@lru_cache(maxsize=1 << 16)
def _translate(english: tuple[str, ...], section: str, lang: str, glossary: Glossary) -> list[str] | None:
    """Every English value's forms in `lang`, or None unless all of them have a curated translation."""
    answers: list[str] = []
    for text in english:
        term = glossary.find(section, text)
        forms = term.translate(lang) if term else None
        if not forms:
            return None
        answers += forms
        if lang == "en":
            answers.append(text)  # the catalogue's own spelling stays an accepted answer
    return unique(answers)


@lru_cache(maxsize=1 << 14)
def compose_medium(
    composed: tuple[tuple[str, ...], ...], lang: str, connectors: tuple[str, str], glossary: Glossary
) -> str | None:
    """('oil paint',), ('canvas',) -> 'Huile sur toile' (connectors: the language's 'and', 'on').

    None unless every term has a translation.
    """
    and_word, on_word = connectors
    segments = []
    for segment in composed:
        found = [_preferred(glossary, term, lang) for term in segment]
        words = [w for w in found if w is not None]
        if len(words) != len(found):
            return None
        head = ", ".join(words[:-1])
        segments.append(f"{head} {and_word} {words[-1]}" if head else words[-1])
    text = f" {on_word} ".join(segments)
    return text[:1].upper() + text[1:]


def _preferred(glossary: Glossary, english: str, lang: str) -> str | None:
    term: Term | None = glossary.find("materials", english) or glossary.find("techniques", english)
    forms = term.translate(lang) if term else None
    return forms[0] if forms else None


_ROMAN = (
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
)


@lru_cache(maxsize=4096)
def _century_answers(century: int, patterns: tuple[str, ...]) -> list[str]:
    """A century written with each of a language's patterns ('17th century'); shared: never mutate."""
    return unique([form.format(**century_fields(century)) for form in patterns])


@lru_cache(maxsize=256)
def century_fields(century: int) -> dict[str, str]:
    """Fields a language's century patterns use: {n} 17, {roman} XVII, {ordinal} 17th, {hundreds} 1600."""
    roman, rest = "", century
    for value, numeral in _ROMAN:
        while rest >= value:
            roman, rest = roman + numeral, rest - value
    suffix = "th" if 10 <= century % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(century % 10, "th")
    return {"n": str(century), "roman": roman, "ordinal": f"{century}{suffix}", "hundreds": str((century - 1) * 100)}
