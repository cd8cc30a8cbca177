"""Exhibits -> QA table. Deterministic for a seed: the same inputs give byte-identical output.

Per exhibit, each category's facts are read once and turned into answers for all its languages at
once; each requested language (plus the record's own languages, e.g. a Swedish LIDO title) then
picks up to `max_per_category` of its templates, chosen by a hash of (seed, exhibit, language,
category), and fills them in. Rows are written column-wise in batches, so memory stays flat however
large the collection is.

Speed (see benchmarks/questions): per pair, Python only picks a template slot and keeps its question
and answer; the columns that follow from the slot (ids, category, language, visual) and the exhibit id
are expanded by Arrow when a batch is written.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tqdm import tqdm

from museumvqa.catalog.schema import Exhibit
from museumvqa.errors import UserError
from museumvqa.io import atomic_path, write_json
from museumvqa.questions.answers import ANSWERS, SLOTS, Facts, Gold, golds
from museumvqa.questions.glossary import Glossary, Term, load_glossary
from museumvqa.questions.records import iter_exhibits
from museumvqa.questions.templates import LanguageSpec, Template, available_languages, load_language

QA_SCHEMA = pa.schema(
    [
        ("question_id", pa.string()),
        ("exhibit_id", pa.string()),
        ("category", pa.string()),
        ("language", pa.string()),
        ("template_id", pa.string()),
        ("question", pa.string()),
        ("answers", pa.list_(pa.string())),
        ("visual", pa.bool_()),
        ("answer_language", pa.string()),  # language of answers[0]; "und" when the source did not say
        ("derived", pa.bool_()),  # answers computed from the record (century, 'canvas' from 'Oil on canvas')
    ]
)
_ROWS_PER_BATCH = 65536
# Answers are cached per distinct facts (vocabularies repeat); the cache starts afresh when this full.
_ANSWER_CACHE_SIZE = 1 << 16


@dataclass(frozen=True)
class QAPair:
    question_id: str
    exhibit_id: str
    category: str
    language: str
    template_id: str
    question: str
    answers: list[str]
    visual: bool
    answer_language: str
    derived: bool


class _Cell(NamedTuple):
    """One language and category, for one kind of object: all that choosing and filling in a template needs."""

    salt: bytes  # spreads the choice: crc32 of it, continued from the exhibit's hash
    size: int
    asked: int
    slots: tuple[int, ...]  # each template's row in the slot table
    texts: tuple[str | None, ...]  # each template filled in with the noun phrases; None: it names someone
    templates: tuple[Template, ...]


class _Slots:
    """One row per (language, template): the output columns that follow from the template alone."""

    def __init__(self) -> None:
        self.suffixes: list[str] = []  # question id after the exhibit id: '#fr:title-2'
        self.columns: dict[str, list[str | bool]] = {"category": [], "language": [], "template_id": [], "visual": []}

    def add(self, lang: str, t: Template) -> int:
        self.suffixes.append(f"#{lang}:{t.id}")
        for name, value in (("category", t.category), ("language", lang), ("template_id", t.id), ("visual", t.visual)):
            self.columns[name].append(value)
        return len(self.suffixes) - 1


class _Batch:
    """QA pairs not yet written: per exhibit its id and pair count, per pair its slot, question and answer.

    An answer is an index into `golds`, which holds each distinct fact's answers (all its languages) once.
    """

    def __init__(self) -> None:
        self.exhibit_ids: list[str] = []
        self.runs: list[int] = []
        self.slots: list[int] = []
        self.questions: list[str] = []
        self.answers: list[int] = []
        self.golds: list[Gold] = []
        self._first: dict[int, tuple[int, list[Gold]]] = {}  # id of a fact's answers -> (its first index, them)

    def __len__(self) -> int:
        return len(self.slots)

    def first(self, per_language: list[Gold]) -> int:
        """Where the fact's answers start in `golds`, added on first sight (the tuple keeps `id` unique)."""
        found = self._first.get(id(per_language))
        if found is None:
            found = self._first[id(per_language)] = (len(self.golds), per_language)
            self.golds += per_language
        return found[0]

    def table(self, slots: _Slots) -> pa.Table:
        rows = pa.array(self.slots, pa.int32())
        per_slot = {
            name: pa.array(values, QA_SCHEMA.field(name).type).take(rows) for name, values in slots.columns.items()
        }
        exhibit_ids = pa.array(self.exhibit_ids, pa.string()).take(np.repeat(np.arange(len(self.runs)), self.runs))
        question_ids = pc.binary_join_element_wise(exhibit_ids, pa.array(slots.suffixes, pa.string()).take(rows), "")
        answers = pa.array(self.answers, pa.int32())
        columns = {
            "question_id": question_ids,
            "exhibit_id": exhibit_ids,
            **per_slot,
            "question": pa.array(self.questions, pa.string()),
            "answers": pa.array([g.answers for g in self.golds], QA_SCHEMA.field("answers").type).take(answers),
            "answer_language": pa.array([g.language for g in self.golds], pa.string()).take(answers),
            "derived": pa.array([g.derived for g in self.golds], pa.bool_()).take(answers),
        }
        return pa.table([columns[name] for name in QA_SCHEMA.names], schema=QA_SCHEMA)

    def clear(self) -> None:
        for values in (self.exhibit_ids, self.runs, self.slots, self.questions, self.answers, self.golds):
            values.clear()
        self._first.clear()


class QuestionGenerator:
    """Turns exhibits into QA pairs; holds the loaded templates and glossary.

    Everything that does not depend on the record is worked out once and kept: each language's template
    pools, each template filled in for each kind of object ('this painting'), and the answers of facts
    already seen; per exhibit only its facts and the template choice remain.
    """

    def __init__(
        self,
        languages: Sequence[str] = ("en",),
        categories: Sequence[str] | None = None,
        max_per_category: int = 1,
        seed: int = 0,
        record_languages: bool = True,
        glossary: Glossary | None = None,
    ) -> None:
        self.categories = list(categories or ANSWERS)
        unknown = sorted(set(self.categories) - set(ANSWERS))
        if unknown:
            raise UserError(f"unknown question categories {unknown}; known: {', '.join(ANSWERS)}")
        if max_per_category < 1:
            raise UserError("max_per_category must be at least 1")
        if not languages:
            raise UserError("at least one question language is needed")
        self.languages = list(dict.fromkeys(languages))
        self.specs = {lang: load_language(lang) for lang in self.languages}
        self.extra_languages = set(available_languages()) - set(self.languages) if record_languages else set()
        self.max_per_category = max_per_category
        self.seed = seed
        self.glossary = glossary or load_glossary()
        self.slots = _Slots()
        self._slots_of: dict[tuple[str, str], tuple[int, ...]] = {}
        self._cells_of: dict[tuple[str, str | None], tuple[dict[str, str], dict[str, _Cell]]] = {}
        self._answers: dict[tuple[object, ...], list[Gold]] = {}

    def _spec(self, lang: str) -> LanguageSpec:
        if lang not in self.specs:
            self.specs[lang] = load_language(lang)
        return self.specs[lang]

    def _slot_ids(self, lang: str, pool: tuple[Template, ...]) -> tuple[int, ...]:
        key = (lang, pool[0].category)
        if key not in self._slots_of:
            self._slots_of[key] = tuple(self.slots.add(lang, t) for t in pool)
        return self._slots_of[key]

    def _cells(self, lang: str, term: Term | None) -> tuple[dict[str, str], dict[str, _Cell]]:
        """The language's noun phrases for this kind of object, and its cells (categories without templates left out).

        A template that also names someone from the record ({creator}, {person}) is filled in per exhibit.
        """
        key = (lang, term.english if term else None)
        if key not in self._cells_of:
            spec = self._spec(lang)
            forms = term.translate(lang) if term else None
            noun, gender = (forms[0], term.genders.get(lang)) if forms and term else (None, None)
            phrases = {name: spec.noun_phrase(name, noun, gender) for name in spec.noun_phrases}
            cells = {}
            for category in self.categories:
                pool = tuple(t for t in spec.templates if t.category == category)
                if pool:
                    names = SLOTS.get(category, frozenset())
                    cells[category] = _Cell(
                        f"|{lang}|{category}".encode(),
                        len(pool),
                        min(self.max_per_category, len(pool)),
                        self._slot_ids(lang, pool),
                        tuple(None if t.placeholders & names else t.text.format_map(phrases) for t in pool),
                        pool,
                    )
            self._cells_of[key] = (phrases, cells)
        return self._cells_of[key]

    def _golds(self, fact: Facts, languages: tuple[str, ...]) -> list[Gold]:
        """`golds` of the fact in these languages, cached per distinct facts (names for templates aside)."""
        key = (fact.candidates, fact.section, fact.century, fact.composed, languages)
        found = self._answers.get(key)
        if found is None:
            if len(self._answers) >= _ANSWER_CACHE_SIZE:
                self._answers.clear()
            found = self._answers[key] = golds(fact, [self._spec(lang) for lang in languages], self.glossary)
        return found

    def languages_for(self, ex: Exhibit) -> list[str]:
        """The requested languages, then those of the record's own titles that have templates."""
        own = [v.lang for v in ex.attributes.get("title", []) if v.lang in self.extra_languages]
        return self.languages + sorted(set(own))  # type: ignore[arg-type]

    def add(self, ex: Exhibit, batch: _Batch) -> None:
        """Append the exhibit's QA pairs to `batch`."""
        glossary = self.glossary
        facts = [(c, f) for c in self.categories if (f := ANSWERS[c](ex, glossary)) is not None]
        if not facts:
            return
        eid = ex.exhibit_id
        exhibit_hash = zlib.crc32(f"{self.seed}|{eid}".encode())
        kinds = ex.attributes.get("object_type") or ex.attributes.get("classification") or ()
        term = next((t for v in kinds if (t := glossary.find("object_types", v.value))), None)
        languages = tuple(self.languages_for(ex))
        found = [(category, fact, batch.first(self._golds(fact, languages))) for category, fact in facts]
        slots, questions, answers = batch.slots.append, batch.questions.append, batch.answers.append
        crc32 = zlib.crc32
        before = len(batch)
        for position, lang in enumerate(languages):
            phrases, cells = self._cells(lang, term)
            for category, fact, first in found:
                cell = cells.get(category)
                if cell is None:
                    continue
                salt, size, asked, slot_ids, texts, templates = cell
                start = crc32(salt, exhibit_hash)
                for k in range(asked):
                    j = (start + k) % size
                    slots(slot_ids[j])
                    text = texts[j]
                    questions(templates[j].text.format_map({**phrases, **fact.slots}) if text is None else text)
                    answers(first + position)
        if len(batch) > before:
            batch.exhibit_ids.append(eid)
            batch.runs.append(len(batch) - before)

    def pairs(self, ex: Exhibit) -> list[QAPair]:
        """The exhibit's QA pairs as objects (for inspection and tests)."""
        batch = _Batch()
        self.add(ex, batch)
        return [QAPair(**row) for row in batch.table(self.slots).to_pylist()]


def generate_questions(
    exhibits_dir: str | Path,
    out_dir: str | Path,
    languages: Sequence[str] = ("en",),
    categories: Sequence[str] | None = None,
    max_per_category: int = 1,
    seed: int = 0,
    progress: bool = True,
    record_languages: bool = True,
) -> dict[str, int]:
    """Write `out_dir/qa.parquet` and `out_dir/manifest.json`; returns counts per category."""
    generator = QuestionGenerator(languages, categories, max_per_category, seed, record_languages)
    files = sorted(Path(exhibits_dir).glob("*.parquet"))
    if not files:
        raise UserError(f"{exhibits_dir}: no exhibit Parquet files (run `museumvqa ingest` first)")
    counts: Counter[str] = Counter()
    per_language: Counter[str] = Counter()
    out = Path(out_dir)
    batch = _Batch()
    with atomic_path(out / "qa.parquet") as tmp, pq.ParquetWriter(tmp, QA_SCHEMA) as writer:

        def flush() -> None:
            if len(batch):
                table = batch.table(generator.slots)
                for counter, name in ((counts, "category"), (per_language, "language")):
                    for item in table[name].value_counts().to_pylist():
                        counter[item["values"]] += item["counts"]
                writer.write_table(table)
                batch.clear()

        for file in files:
            for exhibits in tqdm(iter_exhibits(file), desc="questions", unit="batch", disable=not progress):
                for ex in exhibits:
                    generator.add(ex, batch)
                    if len(batch) >= _ROWS_PER_BATCH:
                        flush()
        flush()
    write_json(
        {
            "languages": generator.languages,
            "record_languages": record_languages,
            "categories": generator.categories,
            "max_per_category": max_per_category,
            "seed": seed,
            "pairs": sum(counts.values()),
            "per_category": dict(sorted(counts.items())),
            "per_language": dict(sorted(per_language.items())),
        },
        out / "manifest.json",
    )
    return dict(counts)
