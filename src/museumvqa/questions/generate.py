"""Exhibits -> QA table. Deterministic for a seed: the same inputs give byte-identical output.

Per exhibit, each category's facts are read once; each requested language (plus the record's own
languages, e.g. a Swedish LIDO title) then picks up to `max_per_category` of its templates, chosen
by a hash of (seed, exhibit, language, category), and fills them in. Rows are written column-wise
in batches, so memory stays flat however large the collection is.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from museumvqa.catalog.schema import Exhibit, exhibit_from_row
from museumvqa.errors import UserError
from museumvqa.io import atomic_path, write_json
from museumvqa.questions.answers import ANSWERS, gold
from museumvqa.questions.glossary import Glossary, load_glossary
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
_UNUSED_COLUMNS = frozenset({"images", "licence", "rights", "url"})


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


class QuestionGenerator:
    """Turns one exhibit at a time into QA pairs; holds the loaded templates and glossary."""

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
        self._pools: dict[tuple[str, str], tuple[list[Template], bytes]] = {}

    def _spec(self, lang: str) -> LanguageSpec:
        if lang not in self.specs:
            self.specs[lang] = load_language(lang)
        return self.specs[lang]

    def _pool(self, lang: str, category: str) -> tuple[list[Template], bytes]:
        """The templates of one language and category, and the salt that spreads their choice."""
        key = (lang, category)
        if key not in self._pools:
            pool = [t for t in self._spec(lang).templates if t.category == category]
            self._pools[key] = (pool, f"|{lang}|{category}".encode())
        return self._pools[key]

    def languages_for(self, ex: Exhibit) -> list[str]:
        """The requested languages, then those of the record's own titles that have templates."""
        own = [v.lang for v in ex.attributes.get("title", []) if v.lang in self.extra_languages]
        return self.languages + sorted(set(own))  # type: ignore[arg-type]

    def add_rows(self, ex: Exhibit, columns: dict[str, list[Any]], counts: Counter[str]) -> None:
        """Append the exhibit's QA pairs to `columns` (one list per QA_SCHEMA field)."""
        facts = {c: f for c in self.categories if (f := ANSWERS[c](ex, self.glossary)) is not None}
        if not facts:
            return
        eid = ex.exhibit_id
        exhibit_hash = zlib.crc32(f"{self.seed}|{eid}".encode())
        object_types = ex.values("object_type") or ex.values("classification")
        term = next((t for v in object_types if (t := self.glossary.find("object_types", v))), None)
        ids, eids, cats, langs, tids = (
            columns[k] for k in ("question_id", "exhibit_id", "category", "language", "template_id")
        )
        questions, answers, visual, answer_langs, derived = (
            columns[k] for k in ("question", "answers", "visual", "answer_language", "derived")
        )
        for lang in self.languages_for(ex):
            spec = self._spec(lang)
            forms = term.translate(lang) if term else None
            noun, gender = (forms[0], term.genders.get(lang)) if forms and term else (None, None)
            phrases = {name: spec.noun_phrase(name, noun, gender) for name in spec.noun_phrases}
            for category, fact in facts.items():
                pool, salt = self._pool(lang, category)
                if not pool:
                    continue
                answer = gold(fact, spec, self.glossary)
                values = {**phrases, **fact.slots} if fact.slots else phrases
                start = zlib.crc32(salt, exhibit_hash)
                n = min(self.max_per_category, len(pool))
                for k in range(n):
                    t = pool[(start + k) % len(pool)]
                    ids.append(f"{eid}#{lang}:{t.id}")
                    tids.append(t.id)
                    questions.append(t.text.format_map(values))
                    visual.append(t.visual)
                eids += [eid] * n
                cats += [category] * n
                langs += [lang] * n
                answers += [answer.answers] * n
                answer_langs += [answer.language] * n
                derived += [answer.derived] * n
                counts[category] += n

    def pairs(self, ex: Exhibit) -> list[QAPair]:
        """The exhibit's QA pairs as objects (for inspection and tests)."""
        columns: dict[str, list[Any]] = {name: [] for name in QA_SCHEMA.names}
        self.add_rows(ex, columns, Counter())
        return [QAPair(**dict(zip(columns, row, strict=True))) for row in zip(*columns.values(), strict=True)]


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
    columns: dict[str, list[Any]] = {name: [] for name in QA_SCHEMA.names}
    with atomic_path(out / "qa.parquet") as tmp, pq.ParquetWriter(tmp, QA_SCHEMA) as writer:

        def flush() -> None:
            if columns["question_id"]:
                per_language.update(columns["language"])
                writer.write_table(pa.table(columns, schema=QA_SCHEMA))
                for values in columns.values():
                    values.clear()

        for file in files:
            parquet = pq.ParquetFile(file)
            # Images, licences and URLs ask nothing: skipping them saves most of the row decoding.
            wanted = [c for c in parquet.schema_arrow.names if c not in _UNUSED_COLUMNS]
            batches = parquet.iter_batches(batch_size=2048, columns=wanted)
            for batch in tqdm(batches, desc="questions", unit="batch", disable=not progress):
                for row in batch.to_pylist():
                    generator.add_rows(exhibit_from_row(row), columns, counts)
                    if len(columns["question_id"]) >= _ROWS_PER_BATCH:
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
