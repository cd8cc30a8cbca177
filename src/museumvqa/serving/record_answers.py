"""What the matched record says in answer to a category, written for the asker's language.

The answer is the benchmark's gold answer (`questions.answers.gold`: vocabulary translated through the
curated glossary, media composed, centuries written per language), so serving and question generation
never disagree. Where that gives nothing in the asker's language the record's own words are given, and
the reply says which language they are in. A record whose maker is unknown ("Unidentified artist",
"Okänd", "British School") answers "Unknown artist" in the asker's language, for the maker and the
maker's own facts alike: the catalogue knows that nobody is known, so the model is never asked to guess.
An attribution the generator does not ask ("Copy after Rembrandt", "Circle of Rubens") is given as
catalogued.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from museumvqa.catalog.attribution import is_culture, is_unknown, parse_attribution
from museumvqa.catalog.schema import Exhibit
from museumvqa.questions.answers import NEUTRAL, UNTAGGED, gold, makers
from museumvqa.questions.categories import CATEGORIES
from museumvqa.questions.glossary import Glossary
from museumvqa.questions.templates import available_languages, load_language
from museumvqa.serving.labels import unknown_maker

# Categories about who made the work: an unknown maker answers them all.
MAKER_CATEGORIES = frozenset({"creator", "creator_role", "birth_year", "death_year", "birth_place", "death_place",
                              "nationality"})  # fmt: skip
RECORD = "record"
OTHER_LANGUAGE = "record_other_language"
UNKNOWN_MAKER = "unknown_maker"


@dataclass(frozen=True)
class RecordAnswer:
    text: str
    language: str  # the answer's language ("*" when it reads the same in every language)
    reason: str  # RECORD, OTHER_LANGUAGE or UNKNOWN_MAKER (a `labels` message key)
    catalogued: str | None = None  # the record's own words, for UNKNOWN_MAKER ("Unidentified artist")


def record_answer(exhibit: Exhibit, category: str, language: str, glossary: Glossary) -> str | None:
    """What the record says for `category` in `language` exactly, as the benchmark's gold answer (None: nothing)."""
    facts = CATEGORIES[category].facts(exhibit, glossary)
    if facts is None:
        return None
    found = gold(facts, load_language(language), glossary)
    return found.answers[0] if found and found.answers else None


def answer_from_record(exhibit: Exhibit, category: str, language: str, glossary: Glossary) -> RecordAnswer | None:
    """The record's answer for an asker in `language`, or None when the record says nothing about it."""
    if category in MAKER_CATEGORIES:
        unknown = unknown_makers(exhibit)
        if unknown:
            return _unknown(unknown, language)
    facts = CATEGORIES[category].facts(exhibit, glossary)
    if facts is None:
        qualified = _qualified_makers(exhibit) if category == "creator" else []
        return RecordAnswer("; ".join(qualified), NEUTRAL, RECORD) if qualified else None
    found = gold(facts, load_language(language), glossary)
    if found and found.answers:
        return RecordAnswer(found.answers[0], found.language, RECORD)
    for other in _languages_of(c.lang for c in facts.candidates):
        found = gold(facts, load_language(other), glossary)
        if found and found.answers:
            return RecordAnswer(found.answers[0], found.language, OTHER_LANGUAGE)
    return None


def unknown_makers(exhibit: Exhibit) -> list[str]:
    """The creator values, when every one of them says the maker is unknown (a marker, a school, a people)."""
    values = exhibit.values("creator")
    if not values or makers(exhibit):
        return []
    for value in values:
        name = parse_attribution(value).name
        if not (is_unknown(value) or name is None or is_culture(name)):
            return []
    return values


def _unknown(values: list[str], language: str) -> RecordAnswer:
    """'Unknown artist', with the people or school the record names ('Okänd konstnär (British School)')."""
    named = [v for v in values if not _is_marker(v)]
    text = unknown_maker(language) + (f" ({'; '.join(named)})" if named else "")
    return RecordAnswer(text, language, UNKNOWN_MAKER, "; ".join(values))


def _is_marker(value: str) -> bool:
    """'Unidentified artist', 'Okänd': says only that nobody is known (a school or a people says more)."""
    return is_unknown(value) and not is_culture(value) and not value.casefold().endswith(("school", "skola", "école"))


def _is_qualified(value: str) -> bool:
    return parse_attribution(value).qualifier is not None


def _qualified_makers(exhibit: Exhibit) -> list[str]:
    """Creator values naming someone under a qualifier ('Copy after Rembrandt'), as catalogued."""
    return [v for v in exhibit.values("creator") if parse_attribution(v).name is not None and _is_qualified(v)]


def _languages_of(tags: Iterable[str | None]) -> list[str]:
    """The template languages among the candidates' languages, English first, in a stable order."""
    known = set(available_languages())
    found = {t for t in tags if t is not None and t not in (NEUTRAL, UNTAGGED) and t in known}
    return sorted(found, key=lambda lang: (lang != "en", lang))
