"""How catalogues qualify who made a work, in every supported language: one vocabulary for every stage.

Catalogues write attributions as a qualifier plus a name ("Copy after Rembrandt", "Kopia efter
Rembrandt", "Rembrandt, circle of", "Tidigare attribuerad till ..."), mark unknown makers with words
("Unknown", "Okänd", "Unidentified artist") and list organisations among makers ("Georg Jensen
Manufactory", "Tiffany & Co."). Question generation must not take a qualifier or an unknown marker
for an answer, must not call the artist a work was copied *after* its maker, and must not ask a
company's birth year; `questions audit` checks the same things. Both read this module.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from museumvqa.catalog.schema import clean_text

# What a qualifier says about the named person: whether they made the work.
MAKER = "maker"  # no qualifier
ATTRIBUTED = "attributed"  # "attributed to X": X is the catalogue's (uncertain) maker
RELATED = "related"  # circle, school, workshop, follower, manner of X: someone near X made it
COPY = "copy"  # copy after / after X: X made the original, not this work
FORMER = "former"  # earlier attributed to X: the catalogue no longer says X made it

# Qualifiers per kind, lower case, in en, fr, de, es, it, nl, sv (and fi where museums use it).
# Longer phrases are tried first, so "earlier attributed to" wins over "attributed to".
_QUALIFIERS: dict[str, tuple[str, ...]] = {
    FORMER: (
        "earlier attributed to", "formerly attributed to", "previously attributed to", "once attributed to",
        "tidigare attribuerad till", "tidigare attribuerat till", "tidigare tillskriven", "tidigare tillskrivet",
        "anciennement attribué à", "autrefois attribué à", "früher zugeschrieben", "ehemals zugeschrieben",
        "antes atribuido a", "già attribuito a", "voorheen toegeschreven aan", "aiemmin attribuoitu",
    ),
    ATTRIBUTED: (
        "attributed to", "attributed", "probably by", "possibly by",
        "attribuerad till", "attribuerat till", "tillskriven", "tillskrivet", "tillskrivna",
        "attribué à", "attribuée à", "attribué", "zugeschrieben", "zugeschrieben an",
        "atribuido a", "atribuida a", "attribuito a", "attribuita a", "toegeschreven aan", "attribuoitu",
    ),
    COPY: (
        "copy after", "copy of", "copied after", "after",
        "kopia efter", "kopia av", "efter",
        "copie d'après", "copie d’après", "d'après", "d’après", "kopie nach", "nach",
        "copia de", "copia da", "copia di", "según", "kopie naar", "naar", "kopio",
    ),
    RELATED: (
        "associated with", "and a pupil", "and assistants", "and studio", "and workshop", "and his studio",
        "circle of", "school of", "workshop of", "studio of", "atelier of", "follower of", "followers of",
        "manner of", "style of", "in the style of", "imitator of", "pupil of", "student of", "associate of",
        "krets kring", "kretsen kring", "skola", "verkstad", "efterföljare till", "i stil med", "elev till",
        "entourage de", "cercle de", "école de", "atelier de", "suiveur de", "manière de", "style de", "élève de",
        "umkreis", "umkreis des", "umkreis von", "schule des", "schule von", "werkstatt des", "werkstatt von",
        "nachfolger des", "nachfolger von", "art des", "stil des", "schüler des", "schüler von",
        "círculo de", "escuela de", "taller de", "seguidor de", "estilo de", "discípulo de",
        "cerchia di", "scuola di", "bottega di", "seguace di", "maniera di", "stile di", "allievo di",
        "omgeving van", "kring van", "school van", "werkplaats van", "atelier van", "navolger van", "trant van",
        "stijl van", "leerling van",
    ),
}
_KIND_OF = {phrase: kind for kind, phrases in _QUALIFIERS.items() for phrase in phrases}
_ALTERNATION = "|".join(re.escape(p) for p in sorted(_KIND_OF, key=len, reverse=True))
# "Copy after Rembrandt", "Attributed to: Rembrandt"
# "Attributed to the Master of ...": the article belongs to the qualifier, not the name.
_PREFIX = re.compile(rf"^(?P<q>{_ALTERNATION})\s*:?\s+(?:the\s+)?(?P<name>\S.*)$", re.IGNORECASE)
# "Rembrandt, circle of", "Rembrandt (copy after)", "Rembrandt (attributed)"
_SUFFIX = re.compile(rf"^(?P<name>.*?\S)\s*(?:,\s*|\(\s*|\s(?=and\s))(?P<q>{_ALTERNATION})\s*\)?$", re.IGNORECASE)
_BARE = re.compile(rf"^\s*(?:{_ALTERNATION})\s*:?\s*$", re.IGNORECASE)

# Words that say nobody is known, as whole values or a value's head ("Unknown artist", "Okänd konstnär").
_UNKNOWN = re.compile(
    r"^[\[(]?\s*(unknown|unidentified|anonymous|anon\.?|not known|not recorded|no maker|maker unknown|"
    r"artist unknown|okänd|okänt|okända|obekant|anonym|anonymt|inconnu|inconnue|anonyme|unbekannt|unbestimmter|unbestimmt|"
    r"desconocido|desconocida|anónimo|anónima|sconosciuto|anonimo|ignoto|onbekend|anoniem|tuntematon|nimetön|"
    r"anonim|necunoscut|nieznany|ismeretlen|neznámý|neznámy|ukjent|ukendt|"
    r"necunoscută|n\.\s?n\.|nn|n/a|\?+)(?!\w)",
    re.IGNORECASE,
)
# A national or regional school names no one: "British (?) School", "Hollandsk skola", "École française".
_SCHOOL = re.compile(
    r"^[^\W\d][\w\s()?.'-]{0,40}\s(school|skola|schule|scuola|escuela|école)$|^(école|scuola|escuela|schule)\s+\w+$",
    re.IGNORECASE,
)

# Party types that sources use for groups, companies and institutions rather than people.
_ORGANISATION_TYPES = frozenset(
    {"organization", "organisation", "corporation", "corporate body", "corporatebody", "group", "company",
     "institution", "firm", "manufacturer", "family", "organisaatio", "organisation/group", "org", "corporate",
     "körperschaft", "institution/organisation", "organisation och företag", "organisation/institution"}
)
# Name patterns that mark an organisation when the source has no party type (documented heuristic).
_ORGANISATION_NAME = re.compile(
    r"(\b(inc|incorporated|ltd|limited|llc|plc|corp|corporation|co|company|companies|compagnie|cie|gmbh|ag|ab|"
    r"aktiebolag|a/s|as|oy|s\.a|sa|spa|s\.p\.a|bv|nv|kg|& sons|and sons|& son|and son|& co|brothers|bros|"
    r"manufactory|manufacturing|manufacturers?|factory|works|werke|werkstätte|werkstätten|fabrik|fabrikk|"
    r"porcelain|porzellan|pottery|potteries|glassworks|glasbruk|bruk|mills|foundry|studios|"
    r"society|association|institute|museum|gallery|galleries|press|publishers?|printers|verlag|éditeur|"
    r"editions|éditions|royal .* (factory|manufactory)|manufacture)\b\.?$)|"
    r"^(the )?\w.* (company|manufactory|factory|works|pottery|glassworks|porcelain factory)\b|"
    r"\b(inc|ltd|llc|gmbh|co)\.?(,|$)|"
    r"\w*(anstalt|druckerei)\b",  # German firms: 'Lithographische Anstalt', 'Steindruckerei'
    re.IGNORECASE,
)


class Attribution(NamedTuple):
    """One maker statement split into its person and its qualifier."""

    name: str | None  # the person (or organisation) named; None for a bare qualifier or unknown marker
    qualifier: str | None  # the qualifier as catalogued ("Kopia efter"), None when there is none
    kind: str  # MAKER, ATTRIBUTED, RELATED, COPY or FORMER

    @property
    def is_maker(self) -> bool:
        """Whether the named person may answer "who made this?" (unqualified or attributed)."""
        return self.name is not None and self.kind in (MAKER, ATTRIBUTED)


def qualifier_kind(qualifier: str | None) -> str:
    """The kind of a qualifier written on its own (a source's attribution field); MAKER for none or unknown words."""
    text = _clean(qualifier)
    if not text:
        return MAKER
    kind = _KIND_OF.get(text.rstrip(":").strip())
    if kind is not None:
        return kind
    match = re.match(rf"^({_ALTERNATION})\b", text, re.IGNORECASE)
    return _KIND_OF[match[1].lower()] if match else MAKER


def parse_attribution(text: str | None, qualifier: str | None = None) -> Attribution:
    """'Copy after Rembrandt' -> Attribution('Rembrandt', 'Copy after', COPY); a source's own qualifier wins.

    An unknown marker or a bare qualifier gives `name` None: never an answer.
    """
    name = _clean(text) or None
    written = _clean(qualifier) or None
    if name is not None and written is None:
        match = _PREFIX.match(name) or _SUFFIX.match(name)
        if match:
            name, written = match["name"].strip(" ,:()") or None, match["q"]
        elif _BARE.match(name):
            name, written = None, name
    kind = qualifier_kind(written)
    if name is not None and (is_unknown(name) or _BARE.match(name)):
        name = None
    return Attribution(name, written, kind)


def is_unknown(text: str | None) -> bool:
    """'Unknown', 'Okänd konstnär', 'Unidentified artist', 'Anonymous', '?', 'British School': names nobody."""
    if not text or not text.strip():
        return True
    return _UNKNOWN.match(text.strip()) is not None or _SCHOOL.match(text.strip()) is not None


def is_qualifier_only(text: str | None) -> bool:
    """A qualifier with no name after it ('Earlier attributed to', 'Copy after')."""
    return bool(text) and _BARE.match(text) is not None  # type: ignore[arg-type]


def is_qualified(text: str | None) -> bool:
    """Whether a value carries an attribution qualifier ('Circle of X', 'X, workshop of')."""
    return parse_attribution(text).qualifier is not None


# Peoples, cultures and nationalities that catalogues write in the maker field when no maker is known
# ("Ancient Egyptian", "Chimú", "German"): a documented list, extended by curators as sources need.
_CULTURES = frozenset(
    """
    african american arab asante aztec baule benin byzantine celtic chancay chavín chimú chinese coptic
    dutch egyptian english etruscan european flemish french german greek hittite inca indian iranian
    islamic italian japanese khmer korean maya mexica minoan mixtec moche mughal nasca nazca netherlandish
    olmec ottoman persian peruvian roman russian salado sasanian scythian spanish sumerian swedish
    teotihuacan thai tibetan toltec veracruz viking yoruba zapotec anasazi huastec paracas wari
    olandez englez francez rus austriac elvețian suedez belgian ceh maghiar polonez japonez chinez american
    holländsk engelsk fransk tysk italiensk svensk nederländsk hollandais anglais français allemand italien
    holländisch englisch französisch deutsch italienisch niederländisch
    """.split()
)
_CULTURE_NAME = re.compile(
    r"^(ancient|early|late|pre-columbian|precolumbian|classical)\s+\S+|\b(culture|people|peoples|school)$|"
    r"^(ancestral|ancient) [\w ]+\(",
    re.IGNORECASE,
)


def is_culture(name: str | None) -> bool:
    """'German', 'Ancient Egyptian', 'Chimú', 'Aztec (Mexica)': a people named where the maker is unknown."""
    if not name:
        return False
    folded = _clean(name).casefold()
    folded = re.sub(r"^(atelier|workshop|werkstatt|verkstad|taller|bottega)\s+", "", folded)  # "Atelier german"
    head = folded.split("(")[0].strip()
    return head in _CULTURES or folded in _CULTURES or _CULTURE_NAME.search(folded) is not None


# Roles in a production that did not make the work: who paid, ordered, owned or gave it.
_NOT_MAKER_ROLE = re.compile(
    r"\b(commission\w*|patron|paymaster|client|donor|donator|owner|former owner|funder|funding|sponsor|sitter|"
    r"dedicatee|beställare|uppdragsgivare|finansiering\w*|givare|ägare|auftraggeber|stifter|besitzer|"
    r"commanditaire|donateur|propriétaire|comitente|committente|proprietario|opdrachtgever|eigenaar|"
    r"comanditar|proprietar|donator)\b",
    re.IGNORECASE,
)


def is_maker_role(role: str | None) -> bool:
    """Whether a production role made the work ("artist", "printer", "Konstnär"); not "commissioner", "paymaster"."""
    return not role or _NOT_MAKER_ROLE.search(role) is None


def is_organisation(name: str | None, party_type: str | None = None) -> bool:
    """The source's party type where it has one; otherwise the name heuristic (Inc., Manufactory, & Co., AB...)."""
    if party_type:
        folded = _clean(party_type).lower()
        if folded in ("person", "individual", "people", "personal name", "human", "actor", "persons", "henkilö"):
            return False
        last = folded.rstrip("/").rsplit("/", 1)[-1]  # a type URI such as .../Group or crm:E74_Group
        return folded in _ORGANISATION_TYPES or last in _ORGANISATION_TYPES or "group" in last or "organi" in last
    return bool(name) and _ORGANISATION_NAME.search(name.strip()) is not None  # type: ignore[union-attr]


def display_attribution(name: str, qualifier: str | None) -> str:
    """'Rembrandt', 'Kopia efter' -> 'Kopia efter Rembrandt': a creator value as the catalogue states it."""
    written = _clean(qualifier)
    if not written or qualifier_kind(written) == MAKER and not is_qualifier_only(written):
        return name
    if written.lower().startswith("and "):  # Tate's "and a pupil", "and assistants" follow the name
        return f"{name} {written}"
    return f"{written[:1].upper()}{written[1:]} {name}"


def _clean(text: str | None) -> str:
    return clean_text(text) or ""
