"""Counts of a QA table (per category, language, kind) and glossary coverage of a collection.

A pair's kind: `visual` (the photograph shows the answer), `knowledge` (no photograph shows it and the
question names no one: the QA table's `knowledge` column, questions/categories.py), or `catalogue`
(neither: title, creator, date... what a catalogue says and a trained eye may infer)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from museumvqa.catalog.schema import Exhibit
from museumvqa.errors import UserError
from museumvqa.questions.answers import medium_terms
from museumvqa.questions.glossary import LANGUAGES, Glossary

_REQUIRED = ("category", "language", "visual", "knowledge", "answers")


def qa_stats(qa_path: str | Path) -> dict[str, list[tuple[str, int]]]:
    """Pairs per category, per language, per kind (visual, knowledge, catalogue), and per category x language, via DuckDB."""
    path = Path(qa_path)
    if not path.is_file():
        raise UserError(f"{path}: no such QA Parquet file")
    con = duckdb.connect()
    try:
        columns = {row[0] for row in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()}
    except duckdb.Error as e:
        raise UserError(f"{path}: not a readable Parquet file ({str(e).splitlines()[0]}); give a QA table") from None
    missing = [c for c in _REQUIRED if c not in columns]
    if missing:
        raise UserError(f"{path}: not a QA table (missing columns {', '.join(missing)})")
    queries = {
        "category": "category",
        "language": "language",
        "kind": "CASE WHEN visual THEN 'visual' WHEN knowledge THEN 'knowledge' ELSE 'catalogue' END",
        "category x language": "category || ' ' || language",
    }
    return {
        name: [
            (str(k), int(n))
            for k, n in con.execute(
                f"SELECT {expr} AS k, count(*) AS n FROM read_parquet(?) GROUP BY k ORDER BY n DESC, k", [str(path)]
            ).fetchall()
        ]
        for name, expr in queries.items()
    }


@dataclass
class Coverage:
    """How many vocabulary occurrences (object types, medium terms) the glossary translates."""

    occurrences: int = 0
    translated: dict[str, int] = field(default_factory=lambda: {lang: 0 for lang in LANGUAGES[1:]})
    missing: Counter[str] = field(default_factory=Counter)

    def share(self, language: str) -> float:
        return self.translated[language] / self.occurrences if self.occurrences else 1.0


def glossary_coverage(exhibits: Iterable[Exhibit], glossary: Glossary) -> Coverage:
    """Share of object-type and material/technique occurrences with a translation, per language."""
    coverage = Coverage()
    for ex in exhibits:
        kinds = [("object_types", v) for v in ex.values("object_type") or ex.values("classification")]
        kinds += [("materials", t) for m in ex.values("medium") for seg in medium_terms(m) for t in seg]
        for section, value in kinds:
            coverage.occurrences += 1
            sections = (section,) if section == "object_types" else ("materials", "techniques", "object_types")
            term = next((found for s in sections if (found := glossary.find(s, value))), None)
            if term is None:
                coverage.missing[value] += 1
                continue
            for lang in coverage.translated:
                coverage.translated[lang] += lang in term.forms
    return coverage
