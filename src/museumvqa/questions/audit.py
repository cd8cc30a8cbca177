"""`questions audit`: an automatic quality report of a run's QA pairs, per source x language x category.

The generator promises (DESIGN.md, "Questions") that gold answers are in the question's language or
language-neutral, that attribution qualifiers and unknown markers are never answers, that person
facts are asked of people, and that a category with one answer for nearly every exhibit of a museum
is not asked there. This module measures how far a run's `questions/qa.parquet` keeps those promises,
plus a few cheap text checks, so a bad source or template shows up as a number before training.

Memory: DuckDB joins the QA table to the exhibits and hands the rows over in record batches; only
counts and a few examples per cell are kept, so memory does not grow with the QA table.
"""

from __future__ import annotations

import bisect
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from museumvqa.catalog.attribution import is_organisation, is_qualified, is_qualifier_only, is_unknown
from museumvqa.errors import UserError
from museumvqa.io import atomic_path, write_json

NEUTRAL = "*"  # answers.NEUTRAL: a value that reads the same in every language
UNTAGGED = "und"  # answers.UNTAGGED: the source did not say which language
PERSON_CATEGORIES = frozenset({"birth_year", "death_year", "birth_place", "death_place", "nationality"})
CREATOR_CATEGORIES = frozenset({"creator"})
# Categories whose answers are names or numbers: the text language check says nothing about them.
_NAME_CATEGORIES = frozenset({"creator", "birth_year", "death_year", "acquisition", "date", "century"})

# Each check: what it flags (shown in the reports). Order = report order.
CHECKS: dict[str, str] = {
    "language_mismatch": "answer_language is neither the question's language nor neutral ('*')",
    "language_und": "answer_language is 'und' (the source did not say)",
    "language_text": "the answer's words look like another supported language than the question's",
    "unknown_answer": "a creator answer (or the person asked about) is an unknown marker or a bare qualifier",
    "qualified_creator": "a creator answer carries an attribution qualifier ('Copy after X', 'Circle of X')",
    "organisation_person": "a person fact (birth/death year or place, nationality) asked of an organisation",
    "unbalanced_brackets": "an answer has unbalanced (), [] or {}",
    "long_answer": "the first answer is longer than the category's token limit",
    "answer_in_question": "an answer equals the question or appears in it as whole words",
    "placeholder": "an answer is a placeholder ('n.d.', 'unknown', 'none', '?', '[no title]')",
    "constant_category": "the museum's top answer in this category covers most of its exhibits",
    "duplicate_question_id": "the question_id occurs more than once",
    "duplicate_exhibit_id": "the exhibit_id occurs more than once in exhibits/",
    "missing_exhibit": "the exhibit_id is not in exhibits/",
    "dimension_frame": "a dimensions answer describes a frame/mount or a duration, not the object",
}

# Share of a cell's pairs above which a check counts as failed: the one place for the defaults.
DEFAULT_THRESHOLDS: dict[str, float] = {
    "language_mismatch": 0.01,
    "language_und": 0.10,
    "language_text": 0.05,  # a heuristic: allows for its false positives
    "unknown_answer": 0.0,
    "qualified_creator": 0.0,
    "organisation_person": 0.0,
    "unbalanced_brackets": 0.01,
    "long_answer": 0.05,
    "answer_in_question": 0.01,
    "placeholder": 0.0,
    "constant_category": 0.0,  # any constant cell fails: its share is >= constant_share by definition
    "duplicate_question_id": 0.0,
    "duplicate_exhibit_id": 0.0,
    "missing_exhibit": 0.0,
    "dimension_frame": 0.0,
}
DEFAULT_MAX_TOKENS = 12
# Categories whose answers are texts rather than short facts get their own token limits.
DEFAULT_CATEGORY_TOKENS: dict[str, int] = {
    "title": 30,
    "inscription": 60,
    "description": 80,
    "credit_line": 40,
    "medium": 25,
    "dimensions": 20,
}


@dataclass
class AuditSettings:
    """Thresholds per check plus the checks' parameters; `apply` reads `--set key=value` overrides."""

    thresholds: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    max_tokens: int = DEFAULT_MAX_TOKENS
    category_tokens: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_CATEGORY_TOKENS))
    constant_share: float = 0.9
    constant_min_exhibits: int = 20
    examples: int = 3

    def apply(self, overrides: Iterable[str]) -> AuditSettings:
        """'language_text=0.1' (a check's threshold), 'max_tokens=15', 'tokens.title=40', 'constant_share=0.95'."""
        for item in overrides:
            key, sep, text = item.partition("=")
            key = key.strip()
            if not sep or not key:
                raise UserError(f"--set {item!r}: expected key=value, e.g. --set language_text=0.1")
            self._set(key, _number(key, text.strip()))
        return self

    def _set(self, key: str, value: float) -> None:
        if key in CHECKS:
            self.thresholds[key] = value
        elif key.startswith("tokens.") and len(key) > 7:
            self.category_tokens[key[7:]] = int(value)
        elif key in ("max_tokens", "constant_min_exhibits", "examples"):
            setattr(self, key, int(value))
        elif key == "constant_share":
            self.constant_share = value
        else:
            known = [*CHECKS, "max_tokens", "tokens.<category>", "constant_share", "constant_min_exhibits", "examples"]
            raise UserError(f"unknown audit setting {key!r}; known: {', '.join(known)}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "thresholds": dict(self.thresholds),
            "max_tokens": self.max_tokens,
            "category_tokens": dict(self.category_tokens),
            "constant_share": self.constant_share,
            "constant_min_exhibits": self.constant_min_exhibits,
            "examples": self.examples,
        }


def settings_from(overrides: Iterable[str] = (), threshold: float | None = None) -> AuditSettings:
    """Defaults, then one threshold for every check (if given), then `key=value` overrides."""
    settings = AuditSettings()
    if threshold is not None:
        if threshold < 0:
            raise UserError(f"--threshold {threshold}: must not be negative")
        settings.thresholds = dict.fromkeys(CHECKS, float(threshold))
    return settings.apply(overrides)


def _number(key: str, text: str) -> float:
    try:
        value = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        raise UserError(f"--set {key}={text!r}: not a number") from None
    if value < 0:
        raise UserError(f"--set {key}={text}: must not be negative")
    return value


# ---------------------------------------------------------------------------------------------------------
# Text checks on one value (cached: vocabularies and names repeat across exhibits and languages)

# Common function words per language. A word listed under two languages ('en': fr/es/nl/sv, 'su': es/it)
# is evidence for neither (`_exclusive`); name particles ("van", "von", "de", "der", "di", "da", "du",
# "la", "le") are left out on purpose.
_STOP_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the of and with on from by for this that is are was were an its his her their".split()),
    "fr": frozenset("et avec sur les des une dans pour au aux est sont ce cette son sa ses leur en".split()),
    "de": frozenset("und mit auf dem den des ein eine einer eines im ist sind vom zum zur aus an was".split()),
    "es": frozenset("el los las con sobre una y en del es son por para su sus al".split()),
    "it": frozenset(
        "il gli con sul sulla una e nel nella della dello delle degli è sono per suo sua su al del".split()
    ),
    "nl": frozenset("het en met op een uit voor zijn naar bij ook werd is was".split()),
    "sv": frozenset("och med på av en ett från för är var till som det den har".split()),
}
# Letters that occur in only one of the seven languages (å: sv; ß: de; ñ: es; ç, œ: fr; ì, ò: it).
_LETTERS: dict[str, frozenset[str]] = {
    "sv": frozenset("å"),
    "de": frozenset("ß"),
    "es": frozenset("ñ¿¡"),
    "fr": frozenset("çœ"),
    "it": frozenset("ìò"),
}
# A word not joined to others by a hyphen: "aux" in "Fontenay-aux-Roses" is part of a place name.
_WORD = re.compile(r"(?<![\w-])[^\W\d_]+(?:['’][^\W\d_]+)?(?![\w-])")


def _exclusive(words: Mapping[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """Each language's words minus those any other language also lists ('en' is English and Spanish...)."""
    return {
        lang: frozenset(w for w in ws if not any(w in other for o, other in words.items() if o != lang))
        for lang, ws in words.items()
    }


_EXCLUSIVE_WORDS = _exclusive(_STOP_WORDS)


@lru_cache(maxsize=1 << 16)
def language_scores(text: str) -> dict[str, float]:
    """Evidence per language: 1 per exclusive function word, 0.5 per exclusive letter; only languages with some.

    Limits: answers without function words ("Okänd", "duk", a name) carry no evidence; a single
    exclusive letter (a name like "Ångström") is not enough on its own; only the seven supported
    languages are told apart, and names with particles are skipped by leaving particles out.
    """
    folded = text.casefold()
    words = _WORD.findall(folded)
    scores: dict[str, float] = {}
    for lang, vocabulary in _EXCLUSIVE_WORDS.items():
        score = sum(1.0 for w in words if w in vocabulary)
        score += 0.5 * sum(1 for letter in _LETTERS.get(lang, ()) if letter in folded)
        if score:
            scores[lang] = score
    return scores


def looks_like(text: str, question_language: str) -> str | None:
    """Another supported language the text clearly reads as (score >= 1, none for the question's), else None."""
    if question_language not in _STOP_WORDS:
        return None
    scores = language_scores(text)
    if not scores or scores.get(question_language):
        return None
    lang, score = max(scores.items(), key=lambda kv: (kv[1], kv[0]))
    return lang if score >= 1 else None


_OPEN, _CLOSE = "([{", ")]}"


@lru_cache(maxsize=1 << 16)
def brackets_balanced(text: str) -> bool:
    """(), [] and {} close in order."""
    stack: list[str] = []
    for char in text:
        if char in _OPEN:
            stack.append(_CLOSE[_OPEN.index(char)])
        elif char in _CLOSE and (not stack or stack.pop() != char):
            return False
    return not stack


_PLACEHOLDERS = frozenset(
    {
        "n.d.", "n.d", "nd", "n. d.", "s.d.", "s.d", "o.j.", "o.j", "z.j.", "s.f.", "undated", "not dated",
        "unknown", "not known", "none", "null", "nil", "nan", "n/a", "na", "not applicable", "?", "??", "-", "--",
        "—", "–", "tbd", "[no title]", "no title", "[untitled]", "[sans titre]", "[ohne titel]", "[utan titel]",
        "not recorded", "not entered", "no data", "unspecified",  # "Blank" is a real title (Tate's blank pages)
    }
)


@lru_cache(maxsize=1 << 16)
def is_placeholder(text: str) -> bool:
    """A value standing for 'no value': a known placeholder, or a one-word unknown marker ('Okänd' as a place)."""
    folded = " ".join(text.casefold().split())
    if folded in _PLACEHOLDERS or folded.strip("()[] ") in _PLACEHOLDERS:
        return True
    return len(folded.split()) == 1 and is_unknown(folded)


# Words for the frame, mount or passe-partout of a work, and for a duration, in the supported languages.
_FRAME = re.compile(
    r"\b(ram|ramens?|ramm|inramad|frame[ds]?|framed|mount(ed)?|rahmen|gerahmt|cadre|encadr[ée]e?s?|marco|"
    r"enmarcad[oa]|cornice|incorniciat[oa]|lijst|ingelijst|passe-?partout|passepartout)\b",
    re.IGNORECASE,
)
_DURATION = re.compile(
    r"\b(duration|durée|dauer|laufzeit|duración|durata|duur|speltid|längd|running time)\b|"
    r"\b\d+\s*(min|mins|minutes?|minuten|minuter|minuti|minutos|sec|secs|seconds?|sekunden|sekunder|h|hrs?|"
    r"hours?|stunden|timmar)\b|\b\d{1,2}:\d{2}(:\d{2})?\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=1 << 16)
def frame_or_duration(text: str) -> str | None:
    """'frame' or 'duration' when a dimensions value describes one of those rather than the object."""
    if _FRAME.search(text):
        return "frame"
    return "duration" if _DURATION.search(text) else None


def in_question(answer: str, question: str) -> bool:
    """The answer equals the question or occurs in it as whole words (case-insensitive)."""
    a, q = answer.casefold().strip(), question.casefold().strip()
    if not a:
        return False
    start = q.find(a)
    while start >= 0:
        end = start + len(a)
        if (start == 0 or not q[start - 1].isalnum()) and (end == len(q) or not q[end].isalnum()):
            return True
        start = q.find(a, start + 1)
    return False


def _folded(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split())).casefold()


# ---------------------------------------------------------------------------------------------------------
# The report


@dataclass
class Example:
    question_id: str
    exhibit_id: str
    question: str
    answers: list[str]
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class Finding:
    """One check in one cell: how many pairs it flagged and the first few (by question_id)."""

    count: int = 0
    examples: list[Example] = field(default_factory=list)

    def add(self, example: Example, keep: int) -> None:
        self.count += 1
        keys = [e.question_id for e in self.examples]
        if len(keys) < keep or (keys and example.question_id < keys[-1]):
            self.examples.insert(bisect.bisect(keys, example.question_id), example)
            del self.examples[keep:]


@dataclass
class Cell:
    """Source x language x category."""

    source_adapter: str
    museum: str
    language: str
    category: str
    pairs: int = 0
    findings: dict[str, Finding] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return f"{self.source_adapter}/{self.museum}"

    @property
    def key(self) -> str:
        return f"{self.source} {self.language} {self.category}"

    def share(self, check: str) -> float:
        finding = self.findings.get(check)
        return finding.count / self.pairs if finding and self.pairs else 0.0


@dataclass
class Breach:
    check: str
    cell: Cell
    share: float
    threshold: float


@dataclass
class AuditReport:
    run_dir: Path
    pairs: int
    exhibits: int
    settings: AuditSettings
    cells: list[Cell]
    duplicate_exhibit_ids: int
    constant: list[dict[str, Any]]

    def breaches(self) -> list[Breach]:
        """Every (check, cell) over its threshold, the largest excess first."""
        out = [
            Breach(check, cell, cell.share(check), self.settings.thresholds[check])
            for cell in self.cells
            for check in cell.findings
            if cell.share(check) > self.settings.thresholds[check]
        ]
        return sorted(out, key=lambda b: (-(b.share - b.threshold), b.check, b.cell.key))

    def totals(self) -> dict[str, dict[str, Any]]:
        """Per check: flagged pairs, their share of all pairs, cells over threshold, the worst cell."""
        out: dict[str, dict[str, Any]] = {}
        for check in CHECKS:
            cells = [c for c in self.cells if check in c.findings]
            flagged = sum(c.findings[check].count for c in cells)
            worst = max(cells, key=lambda c: (c.share(check), c.key), default=None)
            out[check] = {
                "flagged": flagged,
                "share": flagged / self.pairs if self.pairs else 0.0,
                "threshold": self.settings.thresholds[check],
                "cells_over": sum(1 for c in cells if c.share(check) > self.settings.thresholds[check]),
                "worst_cell": worst.key if worst else None,
                "worst_share": worst.share(check) if worst else 0.0,
            }
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "run": str(self.run_dir),
            "pairs": self.pairs,
            "exhibits": self.exhibits,
            "settings": self.settings.as_dict(),
            "checks": {name: {"description": CHECKS[name], **t} for name, t in self.totals().items()},
            "over_threshold": [
                {"check": b.check, "cell": b.cell.key, "share": b.share, "threshold": b.threshold}
                for b in self.breaches()
            ],
            "duplicate_exhibit_ids": self.duplicate_exhibit_ids,
            "constant_categories": self.constant,
            "cells": [_cell_dict(c) for c in self.cells],
        }


def _cell_dict(cell: Cell) -> dict[str, Any]:
    return {
        "source": cell.source,
        "source_adapter": cell.source_adapter,
        "museum": cell.museum,
        "language": cell.language,
        "category": cell.category,
        "pairs": cell.pairs,
        "checks": {
            name: {"count": f.count, "share": f.count / cell.pairs, "examples": [e.as_dict() for e in f.examples]}
            for name, f in sorted(cell.findings.items(), key=lambda kv: list(CHECKS).index(kv[0]))
        },
    }


# ---------------------------------------------------------------------------------------------------------
# Reading the run


def _paths(run_dir: Path) -> tuple[Path, Path]:
    """exhibits/ and questions/qa.parquet of a run folder, or a one-line UserError saying what is missing."""
    if not run_dir.is_dir():
        raise UserError(f"{run_dir}: not a folder; give a run folder made by `museumvqa ingest --out RUN`")
    exhibits = run_dir / "exhibits"
    if not exhibits.is_dir() or not any(exhibits.glob("*.parquet")):
        raise UserError(
            f"{run_dir}: not a run folder (no exhibits/*.parquet); make one with `museumvqa ingest --out RUN`"
        )
    qa = run_dir / "questions" / "qa.parquet"
    if not qa.is_file():
        raise UserError(
            f"{qa}: not found; generate it with `museumvqa questions build --exhibits {exhibits} --out {qa.parent}`"
        )
    return exhibits, qa


DUCKDB_MEMORY = "512MB"  # DuckDB's joins and groupings spill to disk beyond this
_QA_COLUMNS = ("question_id", "exhibit_id", "category", "language", "question", "answers", "answer_language")


def _connect(exhibits: Path, qa: Path, spill: str) -> Any:
    """A DuckDB connection with views qa (the pairs) and ex (one row per exhibit id, with its id's count).

    Joins and groupings beyond memory spill to `spill` (a temp folder), not to the working directory.
    """
    import duckdb

    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET temp_directory = '{_sql_path(Path(spill))}'")
    con.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
    try:
        names = [row[0] for row in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(qa)]).fetchall()]
    except duckdb.Error as e:
        con.close()
        raise UserError(f"{qa}: not a readable Parquet file ({str(e).splitlines()[0]})") from None
    missing = [c for c in _QA_COLUMNS if c not in names]
    if missing:
        con.close()
        raise UserError(
            f"{qa}: not a QA table (missing columns {', '.join(missing)}); rebuild it with `questions build`"
        )
    con.execute(f"CREATE VIEW qa AS SELECT * FROM read_parquet('{_sql_path(qa)}')")
    con.execute(
        f"""CREATE VIEW ex AS SELECT exhibit_id, any_value(museum) AS museum, any_value(source_adapter) AS adapter,
        any_value(people) AS people, count(*) AS copies
        FROM read_parquet('{_sql_path(exhibits)}/*.parquet', union_by_name = true) GROUP BY exhibit_id"""
    )
    return con


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


_SOURCE_SQL = """coalesce(ex.adapter, '(missing)') AS adapter,
    coalesce(ex.museum, split_part(qa.exhibit_id, ':', 1)) AS museum"""


def _constant_cells(con: Any, settings: AuditSettings) -> dict[tuple[str, str, str, str], tuple[str, int, int]]:
    """(adapter, museum, language, category) -> (top first answer, its exhibits, all exhibits) where it is constant."""
    rows = con.execute(
        f"""WITH per_exhibit AS (
            SELECT DISTINCT {_SOURCE_SQL}, qa.language, qa.category, qa.exhibit_id,
                lower(trim(qa.answers[1])) AS answer
            FROM qa LEFT JOIN ex USING (exhibit_id)),
        cells AS (SELECT adapter, museum, language, category, count(DISTINCT exhibit_id) AS n
            FROM per_exhibit GROUP BY ALL),
        tops AS (SELECT adapter, museum, language, category, answer, count(DISTINCT exhibit_id) AS k
            FROM per_exhibit GROUP BY adapter, museum, language, category, answer
            QUALIFY row_number() OVER (PARTITION BY adapter, museum, language, category ORDER BY k DESC, answer) = 1)
        SELECT adapter, museum, language, category, answer, k, n
        FROM tops JOIN cells USING (adapter, museum, language, category)
        WHERE n >= ? AND k >= ? * n AND answer IS NOT NULL""",
        [settings.constant_min_exhibits, settings.constant_share],
    ).fetchall()
    return {(a, m, lang, cat): (answer, k, n) for a, m, lang, cat, answer, k, n in rows}


def _stream(con: Any, batch_rows: int) -> Iterator[dict[str, list[Any]]]:
    """The pairs joined to their exhibit, column-wise per batch; people only where a person fact needs them."""
    persons = ", ".join(f"'{c}'" for c in sorted(PERSON_CATEGORIES))
    reader = con.sql(
        f"""SELECT qa.question_id, qa.exhibit_id, qa.category, qa.language, qa.question, qa.answers,
            qa.answer_language, {_SOURCE_SQL}, coalesce(ex.copies, 0) AS copies,
            CASE WHEN qa.category IN ({persons}) THEN ex.people END AS people,
            coalesce(dup.n, 1) AS id_count
        FROM qa LEFT JOIN ex USING (exhibit_id)
        LEFT JOIN (SELECT question_id, count(*) AS n FROM qa GROUP BY question_id HAVING count(*) > 1) dup
            USING (question_id)"""
    ).to_arrow_reader(batch_rows)
    for batch in reader:
        yield {name: batch.column(i).to_pylist() for i, name in enumerate(batch.schema.names)}


# ---------------------------------------------------------------------------------------------------------
# Checking one pair


@dataclass(frozen=True)
class Pair:
    question_id: str
    exhibit_id: str
    category: str
    language: str
    question: str
    answers: list[str]
    answer_language: str | None
    people: list[dict[str, Any]] | None
    copies: int
    id_count: int


def _named_person(question: str, people: Sequence[dict[str, Any]] | None) -> dict[str, Any] | None:
    """The exhibit's person whose name the question mentions (the longest such name)."""
    folded = _folded(question)
    named = [p for p in people or () if p.get("name") and _folded(p["name"]) in folded]
    return max(named, key=lambda p: len(p["name"]), default=None)


Flag = tuple[str, "str | None"]  # (check, note)


def check_pair(pair: Pair, settings: AuditSettings, constant: tuple[str, int, int] | None) -> list[Flag]:
    """(check, note) for every check this pair fails."""
    limit = settings.category_tokens.get(pair.category, settings.max_tokens)
    flags = list(answer_flags(pair.category, pair.language, pair.answer_language, tuple(pair.answers), limit))
    leaked = next((a for a in pair.answers if in_question(a, pair.question)), None)
    if leaked is not None:
        flags.append(("answer_in_question", leaked))
    if pair.category in PERSON_CATEGORIES:
        flags += _person_flags(pair)
    if constant is not None and pair.answers and pair.answers[0].strip().lower() == constant[0]:
        flags.append(("constant_category", f"{constant[1]} of {constant[2]} exhibits answer {constant[0]!r}"))
    if pair.id_count > 1:
        flags.append(("duplicate_question_id", f"{pair.id_count} rows"))
    if pair.copies > 1:
        flags.append(("duplicate_exhibit_id", f"{pair.copies} exhibit rows"))
    elif pair.copies == 0:
        flags.append(("missing_exhibit", None))
    return flags


@lru_cache(maxsize=1 << 17)
def answer_flags(
    category: str, language: str, tag: str | None, answers: tuple[str, ...], limit: int
) -> tuple[Flag, ...]:
    """The checks that look at the answers alone (cached: the same facts recur across exhibits)."""
    return (*_language_flags(category, language, tag, answers), *_creator_flags(category, answers),
            *_text_flags(category, answers, limit))


def _language_flags(category: str, language: str, tag: str | None, answers: tuple[str, ...]) -> Iterator[Flag]:
    if tag == UNTAGGED or tag is None:
        yield "language_und", None
    elif tag not in (language, NEUTRAL):
        yield "language_mismatch", f"answer tagged {tag}"
    if category not in _NAME_CATEGORIES and answers:
        other = looks_like(answers[0], language)
        if other is not None:
            yield "language_text", f"reads as {other}"


def _creator_flags(category: str, answers: tuple[str, ...]) -> Iterator[Flag]:
    if category not in CREATOR_CATEGORIES:
        return
    bad = next((a for a in answers if is_unknown(a) or is_qualifier_only(a)), None)
    if bad is not None:
        yield "unknown_answer", bad
    qualified = next((a for a in answers if is_qualified(a) and not is_qualifier_only(a)), None)  # bare: above
    if qualified is not None:
        yield "qualified_creator", qualified


def _person_flags(pair: Pair) -> Iterator[Flag]:
    """The person the question names: an unknown marker, or an organisation (by its kind, else by its name)."""
    person = _named_person(pair.question, pair.people)
    if person is None:
        return
    if is_unknown(person["name"]) or is_qualifier_only(person["name"]):
        yield "unknown_answer", f"person {person['name']!r}"
    if is_organisation(person["name"], person.get("kind")):
        yield "organisation_person", f"{person['name']} (kind {person.get('kind') or 'by name'})"


def _text_flags(category: str, answers: tuple[str, ...], limit: int) -> Iterator[Flag]:
    unbalanced = next((a for a in answers if not brackets_balanced(a)), None)
    if unbalanced is not None:
        yield "unbalanced_brackets", unbalanced
    if answers and len(answers[0].split()) > limit:
        yield "long_answer", f"{len(answers[0].split())} tokens > {limit}"
    placeholder = next((a for a in answers if is_placeholder(a)), None)
    if placeholder is not None and category not in CREATOR_CATEGORIES:  # there: unknown_answer
        yield "placeholder", placeholder
    if category == "dimensions" and answers:
        kind = frame_or_duration(answers[0])
        if kind is not None:
            yield "dimension_frame", kind


# ---------------------------------------------------------------------------------------------------------
# Entry points


def audit_run(run_dir: str | Path, settings: AuditSettings | None = None, batch_rows: int = 16384) -> AuditReport:
    """Audit RUN/questions/qa.parquet against RUN/exhibits; see CHECKS and DEFAULT_THRESHOLDS."""
    run_dir = Path(run_dir)
    settings = settings or AuditSettings()
    exhibits, qa = _paths(run_dir)
    with tempfile.TemporaryDirectory(prefix="museumvqa-audit-") as spill:
        return _audit(run_dir, exhibits, qa, spill, settings, batch_rows)


def _audit(
    run_dir: Path, exhibits: Path, qa: Path, spill: str, settings: AuditSettings, batch_rows: int
) -> AuditReport:
    con = _connect(exhibits, qa, spill)
    try:
        constant = _constant_cells(con, settings)
        cells: dict[tuple[str, str, str, str], Cell] = {}
        pairs = 0
        for columns in _stream(con, batch_rows):
            pairs += _audit_batch(columns, cells, constant, settings)
        exhibit_count, duplicated = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE copies > 1) FROM ex"
        ).fetchone()
    finally:
        con.close()
    constant_list = [
        {"cell": f"{a}/{m} {lang} {cat}", "answer": ans, "exhibits": k, "of": n}
        for (a, m, lang, cat), (ans, k, n) in sorted(constant.items())
    ]
    ordered = sorted(cells.values(), key=lambda c: (c.source, c.language, c.category))
    return AuditReport(run_dir, pairs, int(exhibit_count), settings, ordered, int(duplicated), constant_list)


def _audit_batch(
    columns: dict[str, list[Any]],
    cells: dict[tuple[str, str, str, str], Cell],
    constant: Mapping[tuple[str, str, str, str], tuple[str, int, int]],
    settings: AuditSettings,
) -> int:
    rows = zip(
        columns["question_id"], columns["exhibit_id"], columns["category"], columns["language"],
        columns["question"], columns["answers"], columns["answer_language"], columns["adapter"],
        columns["museum"], columns["copies"], columns["people"], columns["id_count"],
    )
    count = 0
    for qid, eid, category, language, question, answers, tag, adapter, museum, copies, people, id_count in rows:
        key = (adapter, museum, language, category)
        cell = cells.get(key)
        if cell is None:
            cell = cells[key] = Cell(adapter, museum, language, category)
        cell.pairs += 1
        count += 1
        pair = Pair(qid, eid, category, language, question or "", list(answers or ()), tag, people, copies, id_count)
        for check, note in check_pair(pair, settings, constant.get(key)):
            finding = cell.findings.get(check)
            if finding is None:
                finding = cell.findings[check] = Finding()
            finding.add(Example(qid, eid, pair.question, pair.answers, note), settings.examples)
    return count


def write_audit(report: AuditReport, out_dir: str | Path) -> tuple[Path, Path]:
    """audit.md and audit.json in out_dir (normally RUN/questions), each written atomically."""
    out_dir = Path(out_dir)
    json_path = write_json(report.as_dict(), out_dir / "audit.json")
    md_path = out_dir / "audit.md"
    with atomic_path(md_path) as tmp:
        tmp.write_text(render_markdown(report), encoding="utf-8")
    return md_path, json_path


def _pct(share: float) -> str:
    return f"{100 * share:.1f}%"


def summary_rows(report: AuditReport) -> list[list[str]]:
    """One row per check: check, flagged pairs, share, threshold, cells over, worst cell (share)."""
    rows = []
    for check, t in report.totals().items():
        worst = f"{t['worst_cell']} ({_pct(t['worst_share'])})" if t["flagged"] else ""
        rows.append([check, str(t["flagged"]), _pct(t["share"]), _pct(t["threshold"]), str(t["cells_over"]), worst])
    return rows


SUMMARY_HEADER = ["check", "flagged", "share", "threshold", "cells over", "worst cell"]


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    def esc(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]


def render_markdown(report: AuditReport) -> str:
    """The human report: summary per check, cells over threshold, then each check's examples per cell."""
    lines = [
        f"# Questions audit: {report.run_dir}",
        "",
        f"{report.pairs} QA pairs on {report.exhibits} exhibits, {len(report.cells)} cells "
        "(source x language x category). A check fails in a cell when its share of the cell's pairs "
        "exceeds the threshold.",
        "",
        *_table(SUMMARY_HEADER, summary_rows(report)),
        "",
        "## Checks",
        "",
        *[f"- `{name}`: {text}" for name, text in CHECKS.items()],
    ]
    breaches = report.breaches()
    if breaches:
        lines += ["", "## Cells over threshold", ""]
        lines += _table(
            ["check", "source", "language", "category", "pairs", "flagged", "share", "threshold"],
            [
                [b.check, b.cell.source, b.cell.language, b.cell.category, str(b.cell.pairs),
                 str(b.cell.findings[b.check].count), _pct(b.share), _pct(b.threshold)]
                for b in breaches
            ],
        )
    lines += _example_sections(report)
    return "\n".join(lines) + "\n"


def _example_sections(report: AuditReport) -> list[str]:
    lines: list[str] = []
    for check in CHECKS:
        cells = [c for c in report.cells if check in c.findings]
        if not cells:
            continue
        lines += ["", f"## {check}", "", CHECKS[check], ""]
        for cell in cells:
            finding = cell.findings[check]
            lines.append(f"- **{cell.key}**: {finding.count} of {cell.pairs} ({_pct(cell.share(check))})")
            for e in finding.examples:
                note = f" ({e.note})" if e.note else ""
                lines.append(f"  - `{e.exhibit_id}` {e.question!r} -> {e.answers!r}{note}")
    return lines


def audit_summary_lines(audit: Mapping[str, Any]) -> list[str]:
    """Short Markdown list lines from an audit.json (for the run report)."""
    checks = audit.get("checks", {})
    failing = [(name, c) for name, c in checks.items() if c.get("cells_over")]
    lines = [
        f"- {audit.get('pairs', 0)} pairs audited; {len(failing)} of {len(checks)} checks over threshold "
        f"in at least one source x language x category cell (details in questions/audit.md)."
    ]
    for name, c in sorted(failing, key=lambda kv: -kv[1].get("flagged", 0)):
        lines.append(
            f"- {name}: {c['flagged']} pairs ({_pct(c['share'])}), {c['cells_over']} cells over "
            f"{_pct(c['threshold'])}; worst {c['worst_cell']} ({_pct(c['worst_share'])})"
        )
    return lines
