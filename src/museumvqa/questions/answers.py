"""What each question category can ask about one exhibit, taken from the record only.

A category function returns the exhibit's `Facts` (candidate answers with their language, plus the
names a template may mention) or None: no value, no question. `gold` turns facts into the answers of
one question language, or None when that language has none.

Answer language (the rule every pair keeps): a question's answers are in the question's language or
language-neutral (NEUTRAL "*": names, numbers, years, measurements). A vocabulary value (materials,
object types, roles, nationalities) in another language is translated through the curated glossary;
any other value in another language is not asked in this language (the generator asks it in the
record's own language instead). A value with no language tag ("und") is asked only where it reads
the same in every language (a name, a year, a measurement) or the glossary knows it; otherwise never.
`Gold.language` is the question's language, or NEUTRAL when every answer is neutral.

Makers: creator values are parsed with `catalog.attribution` ("Kopia efter Rembrandt", a person's
own qualifier, Tate's role "after"): only unqualified and "attributed to" names answer "who made
this?"; copies after, circles, schools and former attributions do not, and unknown markers
("Okänd", "Unidentified artist", "British School") never answer anything. Person facts are asked of
people only (`Person.kind`, else the name heuristic `attribution.is_organisation`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple

from museumvqa.catalog.attribution import (
    ATTRIBUTED,
    MAKER,
    Attribution,
    is_culture,
    is_maker_role,
    is_organisation,
    is_unknown,
    parse_attribution,
    qualifier_kind,
)
from museumvqa.catalog.schema import Exhibit, Person, Value, clean_text, slug
from museumvqa.questions.glossary import Glossary, Term

if TYPE_CHECKING:
    from museumvqa.questions.templates import LanguageSpec

_PARENTHESISED = re.compile(r"^(?P<main>[^()]+?)\s*\((?P<inner>[^()]+)\)$")
# Placeholder texts some catalogues store instead of leaving a field empty ("Untitled" is a real title: kept).
_NO_VALUE = re.compile(
    r"^[\[(]?\s*((date |title )?(not known|unknown)|undated|n\.\s?d\.?|s\.\s?d\.?|o\.\s?j\.?|u\.\s?å\.?|"
    r"none|null|n/?a|no title|without title|not titled|-+|\?+|okänd|okänt|inconnu|unbekannt|desconocido|"
    r"sconosciuto|onbekend)\s*[\])]?$",
    re.IGNORECASE,
)
# Tate-style flags saying that something is inscribed, not what: not an inscription text.
_INSCRIPTION_FLAG = re.compile(r"^((date|signature|title|signed|dated)( and )?)+ inscribed$", re.IGNORECASE)
_NEUTRAL = re.compile(r"^[\d\s\-–—/.,:()]+$")  # numbers and ranges read the same in every language
_MEASUREMENT = re.compile(r"^[\d\s.,()]+(\s*[x×]\s*[\d.,]+)*\s*(mm|cm|m)?$")  # '31,5 x 25 cm'
_METRIC = re.compile(r"(\d+(?:[.,]\d+)?(?:\s*[x×]\s*\d+(?:[.,]\d+)?){0,2})\s*(mm|cm|m)\b")
# Dimension texts hold several measurements ('support: 318 x 394 mm frame: 479 x 379 x 40 mm' once
# newlines are collapsed): split after a unit followed by a word, and at ';'.
# Where one measured part ends and the next starts: 'Image: ... (30.8 x 34 cm) Overall with mounting: ...'.
_DIMENSION_PARTS = re.compile(r"(?:(?<=mm)|(?<=cm)|(?<=\)))\s+(?=[^\W\d_])(?![x×]\s)|\s*;\s*|\s+\|\s+|\n")
# What a frame, mount or base measures is not the object's size, in any catalogue language.
_BRACKETED = re.compile(r"^\[[^\[\]]*\]$")  # a whole value in square brackets: a cataloguer's note
_WORDS = re.compile(r"\w+")
# A bracketed note of nationality and life dates after a name: not part of the name, and in one language.
_LIFE_NOTE = re.compile(r"\s*\([^()]*\d[^()]*\)\s*$")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_LENGTH = re.compile(r"\d\s*(mm|cm|m|in|inches|inch|ft|feet)\b|\d\s*(\"|”|′′|″)", re.IGNORECASE)
_NOT_THE_OBJECT = re.compile(
    r"\b(frames?|framed|with frame|ram|ramen|ramens|inramad|rahmen|gerahmt|cadre|encadré|encadrement|marco|"
    r"enmarcado|cornice|incorniciato|lijst|ingelijst|mounts?|mounted|passepartout|passe-partout|montering|"
    r"montage|kehys|sockel|socle|plinth|pedestal|mounting|mat|matted|sight)\b",
    re.IGNORECASE,
)
# Running times ('duration: 1min, 53sec', '3:20') are not sizes.
_DURATION = re.compile(
    r"\b(duration|durée|dauer|duración|durata|duur|speltid|running time)\b|"
    r"\d\s*(min|mins|minutes?|minuten|minuter|minuti|minutos|sec|secs|seconds?|secondes?|sekunden|sekunder|"
    r"secondi|segundos|hrs?|hours?)\b|\b\d{1,2}:\d{2}\b",
    re.IGNORECASE,
)
_MEDIUM_PIECES = re.compile(r"\.\s+|;\s*")
_MEDIUM_TERMS = re.compile(r",\s*(?:and\s+)?|\s+and\s+|\s+with\s+")
_VERSO = re.compile(r"^verso:\s*", re.IGNORECASE)
# ISO 639-2 codes some exports use instead of BCP-47's two letters.
_THREE_LETTER = {"eng": "en", "swe": "sv", "fre": "fr", "fra": "fr", "ger": "de", "deu": "de", "spa": "es",
                 "ita": "it", "dut": "nl", "nld": "nl", "rum": "ro", "ron": "ro", "fin": "fi"}  # fmt: skip

NEUTRAL = "*"  # language of a value that reads the same in every language (years, measurements, names)
UNTAGGED = "und"  # BCP-47 "undetermined": the source did not say which language a value is in


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
    """A question's answers: `language` is the question's language, or NEUTRAL when all answers are neutral."""

    answers: list[str]
    language: str
    derived: bool


@lru_cache(maxsize=256)
def language_of(tag: str | None) -> str:
    """'sv-SE' -> 'sv', 'swe' -> 'sv', None -> 'und': the primary language a tag names, as templates are named."""
    if not tag:
        return UNTAGGED
    primary = tag.strip().lower().replace("_", "-").split("-")[0]
    return _THREE_LETTER.get(primary, primary) or UNTAGGED


def split_top_level(text: str, separator: str | re.Pattern[str] = ",") -> list[str]:
    """'Madrid (Madrid province, Spain), Spain' -> ['Madrid (Madrid province, Spain)', 'Spain'] (not in brackets).

    `separator` is a character or a pattern; a match inside brackets never splits.
    """
    pattern = separator if isinstance(separator, re.Pattern) else re.compile(re.escape(separator))
    if not any(bracket in text for bracket in "([{"):
        return [part.strip() for part in pattern.split(text) if part.strip()]
    depth_at, depth = [], 0
    for char in text:
        if char in ")]}":
            depth = max(depth - 1, 0)
        depth_at.append(depth)
        if char in "([{":
            depth += 1
    parts, start = [], 0
    for match in pattern.finditer(text):
        if depth_at[match.start()] == 0 and (match.end() == len(text) or depth_at[max(match.end() - 1, 0)] == 0):
            parts.append(text[start : match.start()])
            start = match.end()
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]


def unique(values: list[str]) -> list[str]:
    """Cleaned values without case-insensitive repeats, first spelling kept."""
    seen: dict[str, str] = {}
    for v in values:
        text = clean_text(v)
        if text is not None and text.casefold() not in seen:
            seen[text.casefold()] = text
    return list(seen.values())


def words(text: str) -> list[str]:
    """The case-folded words of a text: what compares a name with its alias, or a question with its answer."""
    return _WORDS.findall(text.casefold())


def name_aliases(name: str) -> list[str]:
    """'Rembrandt (Rembrandt van Rijn)' -> itself, 'Rembrandt', 'Rembrandt van Rijn'.

    The bracketed part is an alias only when it is a fuller form of the name outside (shares a word with
    it); given names alone ('Le Roy (Charles Basile)') are not a name, and a note ('Gautier-Prin (partea
    mecanică)') is not part of one.
    """
    match = _PARENTHESISED.match(name)
    if not match:
        return [name]
    main, inner = match["main"].rstrip(" ,;:"), match["inner"]  # 'Jean Hey, (the Master ...)' -> 'Jean Hey'
    if inner[:1].islower():  # a note, not part of the name: answer the name alone
        return [main]
    fuller = set(words(main)) & set(words(inner))
    return unique([name, main, inner] if fuller else [name, main])


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
    neutral = _NEUTRAL.match(text) or _MEASUREMENT.match(text)
    return Candidate(text, NEUTRAL if neutral else language_of(lang)), text.casefold()


def _facts(candidates: list[Candidate], **kw: object) -> Facts | None:
    return Facts(tuple(candidates), **kw) if candidates else None  # type: ignore[arg-type]


def title_facts(ex: Exhibit, glossary: Glossary) -> Facts | None:
    """Titles, not a cataloguer's bracketed note standing in for one ('[inscriptions not by Turner]', '[blank]')."""
    return _facts([c for c in _values(ex, "title") if not _BRACKETED.match(c.text)])


def credit_line_facts(ex: Exhibit, glossary: Glossary) -> Facts | None:
    """Credit lines that say how the work came; one that only names the museum ('Nationalmuseum, Sweden') does not."""
    museum = slug(ex.museum) or ""
    return _facts([c for c in _values(ex, "credit_line") if not _names_only(slug(c.text) or "", museum)])


def _names_only(credit: str, museum: str) -> bool:
    return bool(museum) and (credit == museum or credit.startswith(museum + "-") and credit.count("-") <= 2)


def makers(ex: Exhibit) -> list[tuple[Value, str]]:
    """The creator values naming who made the work, with that name: unqualified or "attributed to" only.

    A people or culture in the maker field ("Ancient Egyptian", "Chimú") stands for an unknown maker.

    A qualifier comes from the value itself ("Kopia efter Rembrandt", "Rubens, circle of"), else from
    the linked person's `qualifier`, else from a role that is one (Tate's "after"). Roles of people
    who did not make the work (paymaster, owner) do not make them makers either.
    """
    creators = ex.attributes.get("creator")
    if not creators:
        return []
    qualifiers = tuple((p.name, p.qualifier) for p in ex.people if p.qualifier) if ex.people else ()
    return _makers(tuple(creators), qualifiers)


@lru_cache(maxsize=1 << 14)
def _makers(creators: tuple[Value, ...], qualifiers: tuple[tuple[str, str], ...]) -> list[tuple[Value, str]]:
    """`makers`, cached per creator values (the same artists recur); shared: never mutate."""
    qualifier_of = dict(qualifiers)
    out, tentative = [], 0
    for v in creators:
        found = _attribution(v.value, v.role, qualifier_of.get(v.value))
        if found.is_maker and is_maker_role(v.role) and not is_culture(found.name):
            out.append((v, found.name.replace(" ,", ",")))  # type: ignore[union-attr]
            tentative += found.kind == ATTRIBUTED
    if tentative > 1 and tentative == len(out):  # "possibly by" three different people: no one is the maker
        return []
    return out


@lru_cache(maxsize=1 << 14)
def _attribution(text: str, role: str | None, qualifier: str | None) -> Attribution:
    """`parse_attribution` of a creator value, its person's qualifier or a qualifying role applying when it has none."""
    found = parse_attribution(text)
    written = qualifier or (role if role and qualifier_kind(role) != MAKER else None)
    if found.qualifier is None and found.name is not None and written:
        found = parse_attribution(found.name, written)
    if found.name is not None and _LIFE_NOTE.search(found.name):  # 'James D. Smillie (American, 1833-1909)'
        found = found._replace(name=_LIFE_NOTE.sub("", found.name).strip() or None)
    return found


def creator_facts(ex: Exhibit, glossary: Glossary) -> Facts | None:
    names = unique([alias for _, name in makers(ex) for part in split_top_level(name, ";") for alias in name_aliases(part)])
    return _facts([Candidate(a, NEUTRAL) for a in names])


def creator_role_facts(ex: Exhibit, glossary: Glossary) -> Facts | None:
    """The first maker's role as catalogued (a role that is an attribution qualifier is not a role)."""
    for v, name in makers(ex):
        if v.role and qualifier_kind(v.role) == MAKER and not _NO_VALUE.match(v.role):
            return Facts((Candidate(v.role, language_of(v.lang)),), section="roles", slots={"creator": name})
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
    """The medium as catalogued; one naming only techniques ('engraving') says no material and asks nothing here."""
    candidates = [_english_if_vocabulary(c, glossary, "materials") for c in _values(ex, "medium")]
    split = _medium_split(ex, glossary)
    if not candidates or split is not None and not split[0] and split[1]:
        return None
    english = len(candidates) == 1 and candidates[0].lang == "en"
    composed = _composition(candidates[0].text, glossary) if english else ()
    return Facts(tuple(candidates), composed=composed)


def _english_if_vocabulary(candidate: Candidate, glossary: Glossary, section: str) -> Candidate:
    """An English vocabulary value that inherited another tag ('Oil on canvas' under a Swedish LIDO record) is English.

    LIDO values without their own xml:lang take the record's; the glossary recognises an English term
    (or a medium made only of English terms) that is no form of the tagged language.
    """
    lang = candidate.lang
    if lang in ("en", NEUTRAL, None) or glossary.is_form(section, lang, candidate.text):
        return candidate
    english = glossary.find(section, candidate.text) or (section == "materials" and _composition(candidate.text, glossary))
    return candidate._replace(lang="en") if english else candidate


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
    candidates = [_english_if_vocabulary(c, glossary, "object_types") for c in _values(ex, "object_type")]
    if not candidates:
        candidates = _object_classes(tuple(ex.values("classification")), glossary)
    return _facts(candidates, section="object_types")


@lru_cache(maxsize=1 << 12)
def _object_classes(classes: tuple[str, ...], glossary: Glossary) -> list[Candidate]:
    """Classifications as the object types the glossary names them: 'on paper, unique' answers 'work on paper'.

    A classification is the museum's filing label, not a name for the object; shared: never mutate.
    """
    terms = [t for c in classes if (t := glossary.find("object_types", c))]
    return _dedupe([Candidate(t.english, "en", derived=True) for t in terms])


def culture_facts(ex: Exhibit, glossary: Glossary) -> Facts | None:
    places = _values(ex, "culture") + _values(ex, "place")
    return _facts(_dedupe([c for c in places if not is_unknown(c.text)]))


def dimensions_facts(ex: Exhibit, glossary: Glossary) -> Facts | None:
    """The object's measurements as catalogued, its first metric one ('114.5 x 55.6 cm') also as a derived answer.

    Frames, mounts and bases are not the object, and a running time is not a size: those parts are left out.
    """
    candidates = [c for v in ex.attributes.get("dimensions", ()) for c in _object_sizes(v.value, v.lang)]
    if any(len(_NUMBER.findall(c.text)) > 1 for c in candidates):  # '3,40 m' beside '3,40x1,65x1,70 m' is a part
        candidates = [c for c in candidates if len(_NUMBER.findall(c.text)) > 1]
    elif len(candidates) > 1:  # '117 cm' and '95 cm' with their labels lost: which is the size is not said
        return None
    if not candidates:
        return None
    first = candidates[0].text
    match = _METRIC.search(first)
    sizes = {m[0] for c in candidates for m in _METRIC.findall(c.text) if re.search(r"[x×]", m[0])}
    # derived only when it is the whole size: 'L: 128.2 x W: 5 cm' is not '5 cm', nor 'L: 140 cm; A: 57 cm' '140 cm',
    # and not one of several sizes (a pair of portraits, a scroll's image and its whole)
    if match and len(sizes) <= 1 and ("x" in match[1] or "×" in match[1] or len(_NUMBER.findall(first)) == 1):
        measure = re.sub(r"\s*[x×]\s*", " x ", match[1])
        candidates.insert(0, Candidate(f"{measure} {match[2]}", NEUTRAL, derived=True))
    return _facts(_dedupe(candidates))


@lru_cache(maxsize=1 << 14)
def _object_sizes(text: str, lang: str | None) -> tuple[Candidate, ...]:
    """The parts of a dimension text that measure the object itself, as candidates."""
    kept, excluded = [], False
    for part in split_top_level(text, _DIMENSION_PARTS):
        # a part without a label of its own ('1/2 in. depth' after 'Mat: ...;') continues the one before it
        excluded = bool(_NOT_THE_OBJECT.search(part)) or (excluded and part.lstrip()[:1].isdigit())
        if not excluded and _LENGTH.search(part) and not _DURATION.search(part):  # no weights, no bare numbers
            kept.append(part.strip())
    if len(kept) > 1 and any(len(_NUMBER.findall(p)) == 1 for p in kept):
        kept = ["; ".join(kept)]  # 'L: 140 cm; A: 57 cm; Î: 250 cm' is one size, not three
    return tuple(found[0] for p in kept if (found := _candidate(p, lang)))


def inscription_facts(ex: Exhibit, glossary: Glossary) -> Facts | None:
    return _facts([c for c in _values(ex, "inscription") if not _INSCRIPTION_FLAG.match(c.text)])


def plain_facts(attribute: str) -> Callable[[Exhibit, Glossary], Facts | None]:
    return lambda ex, glossary: _facts(_values(ex, attribute))


def _person(ex: Exhibit, fact: str) -> tuple[Person, str] | None:
    """The first linked person (not organisation) with this fact, makers first, and the bare name templates use."""
    if not ex.people:
        return None
    known = []
    for p in ex.people:
        if getattr(p, fact) is not None and is_person(p):
            name = _attribution(p.name, None, None).name
            if name is not None:
                known.append((p, name))
    if not known:
        return None
    names = {name for _, name in makers(ex)}
    return next((found for found in known if found[1] in names), known[0])


def sole_maker(ex: Exhibit) -> str | None:
    """The name of the work's one maker, when one person made it by an unqualified attribution (not
    "attributed to", not several hands): who "the maker of this work" is, without naming them."""
    found = makers(ex)
    if len(found) != 1:
        return None
    value, name = found[0]
    qualifier = next((p.qualifier for p in ex.people or () if p.name == value.value and p.qualifier), None)
    if _attribution(value.value, value.role, qualifier).kind == ATTRIBUTED or ";" in name:
        return None
    return name


def is_person(person: Person) -> bool:
    """The source's kind where it says; otherwise the documented name heuristic (Inc., Manufactory, & Co., ...)."""
    if person.kind is not None:
        return person.kind != "organisation"
    return not _organisation_name(person.name)


@lru_cache(maxsize=1 << 14)
def _organisation_name(name: str) -> bool:
    """`is_organisation` by name, cached: the same artists recur across a collection."""
    return is_organisation(name)


def person_facts(fact: str) -> Callable[[Exhibit, Glossary], Facts | None]:
    def facts(ex: Exhibit, glossary: Glossary) -> Facts | None:
        found = _person(ex, fact)
        if found is None:
            return None
        person, name = found
        value = clean_text(str(getattr(person, fact)))
        if value is None or _NO_VALUE.match(value) or (not fact.endswith("_year") and is_unknown(value)):
            return None
        # the work's one maker is asked about as its maker, unnamed: the photograph must say who that is
        slots = _NO_SLOTS if name == sole_maker(ex) else {"person": name}
        if fact.endswith("_year"):
            return Facts((Candidate(value, NEUTRAL),), slots=slots)
        if fact == "nationality":  # in the cataloguing language; translated through the glossary
            return Facts((Candidate(value, _record_language(ex)),), section="nationalities", slots=slots)
        # A place 'Wigan, United Kingdom' also accepts 'Wigan'; place names are kept as catalogued
        # (exonyms differ: 'London' is 'Londres' in French), so they are in the cataloguing language.
        town = split_top_level(value)[0]
        candidates = [Candidate(value, _record_language(ex))]
        if town != value:
            candidates.append(Candidate(town, _record_language(ex), derived=True))
        return Facts(tuple(candidates), slots=slots)

    return facts


def _record_language(ex: Exhibit) -> str:
    """The cataloguing language: that of the record's first tagged title."""
    tagged = (language_of(v.lang) for v in ex.attributes.get("title", ()))
    return next((lang for lang in tagged if lang != UNTAGGED), UNTAGGED)


def _dedupe(candidates: list[Candidate]) -> list[Candidate]:
    seen: set[str] = set()
    out = []
    for c in candidates:
        if c.text.casefold() not in seen:
            seen.add(c.text.casefold())
            out.append(c)
    return out


def gold(facts: Facts, spec: LanguageSpec, glossary: Glossary) -> Gold | None:
    """The answers of a question asked in `spec.language`; None when nothing answers it in that language."""
    return golds(facts, (spec,), glossary)[0]


def golds(facts: Facts, specs: Sequence[LanguageSpec], glossary: Glossary) -> list[Gold | None]:
    """`gold` for several question languages at once, as the generator asks them (seven or more per exhibit).

    Per language, in order: the record's values in that language (with the neutral ones); else every
    other value's curated translation; else a composed medium; else the neutral values alone; else None.
    Translations, composed media and centuries come from caches keyed by plain strings. The returned
    lists are shared: never mutate them.
    """
    candidates = facts.candidates
    if facts.century is not None:
        return [Gold(_century_answers(facts.century, spec.century), spec.language, True) for spec in specs]
    neutral = [c for c in candidates if c.lang == NEUTRAL]
    foreign = tuple((c.text, c.lang) for c in candidates if c.lang != NEUTRAL)
    out: list[Gold | None] = []
    for spec in specs:
        lang = spec.language
        own = [c for c in candidates if c.lang == lang or c.lang == NEUTRAL]
        if len(own) > len(neutral):
            out.append(Gold([c.text for c in own], lang, any(c.derived for c in own)))
            continue
        translated = _translate(foreign, facts.section, lang, glossary) if facts.section and foreign else None
        if translated:
            answers = unique(translated + [c.text for c in neutral])
            out.append(Gold(answers, lang, any(c.derived for c in candidates)))
            continue
        if facts.composed and lang != "en":
            composed = compose_medium(facts.composed, lang, (spec.words["and"], spec.words["on"]), glossary)
            if composed:
                out.append(Gold([composed], lang, True))
                continue
        out.append(Gold([c.text for c in neutral], NEUTRAL, any(c.derived for c in neutral)) if neutral else None)
    return out


@lru_cache(maxsize=1 << 16)
def _translate(
    values: tuple[tuple[str, str], ...], section: str, lang: str, glossary: Glossary
) -> list[str] | None:
    """Every (text, language) value's forms in `lang`, or None unless all of them have a curated translation."""
    answers: list[str] = []
    for text, source in values:
        term = glossary.find_in(section, source, text)
        forms = term.translate(lang) if term else None
        if not forms:
            return None
        answers += forms
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
