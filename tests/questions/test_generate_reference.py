"""The generator against a plain, one-pair-at-a-time reading of its contract.

The generator caches and shares answers across languages and exhibits and builds its columns with
Arrow; this reference does none of that, so any difference is a change of output, not of speed.
"""

import re
import zlib
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from museumvqa.catalog.adapters.lido import LidoAdapter
from museumvqa.catalog.schema import EXHIBIT_SCHEMA, Exhibit, exhibit_to_row
from museumvqa.questions.answers import gold, language_of
from museumvqa.questions.categories import CATEGORIES
from museumvqa.questions.generate import generate_questions
from museumvqa.questions.glossary import LANGUAGES, load_glossary
from museumvqa.questions.records import iter_exhibits
from museumvqa.questions.templates import available_languages, load_language


def constant(exhibits: list[Exhibit]) -> set[tuple[str, str]]:
    """(museum, category) whose first answer is the same for >= 90% of >= 20 exhibits, counted exactly."""
    glossary = load_glossary()
    answers: dict[tuple[str, str], Counter[str]] = {}
    for ex in exhibits:
        for category, answer in ((name, c.facts) for name, c in CATEGORIES.items()):
            fact = answer(ex, glossary)
            if fact is not None:
                answers.setdefault((ex.museum, category), Counter())[fact.candidates[0].text] += 1
    return {key for key, c in answers.items() if c.total() >= 20 and max(c.values()) >= 0.9 * c.total()}


def reference(exhibits: list[Exhibit], languages: list[str], max_per_category: int, seed: int) -> list[dict]:
    glossary = load_glossary()
    extra = set(available_languages()) - set(languages)
    skip = constant(exhibits)
    rows = []
    for ex in exhibits:
        facts = {
            c: f for c, answer in ((name, c.facts) for name, c in CATEGORIES.items()) if (ex.museum, c) not in skip and (f := answer(ex, glossary))
        }
        exhibit_hash = zlib.crc32(f"{seed}|{ex.exhibit_id}".encode())
        kinds = ex.values("object_type") or ex.values("classification")
        term = next((t for v in kinds if (t := glossary.find("object_types", v))), None)
        own = sorted({language_of(v.lang) for vs in ex.attributes.values() for v in vs} & extra)
        for lang in languages + own:
            spec = load_language(lang)
            forms = term.translate(lang) if term else None
            noun, gender = (forms[0], term.genders.get(lang)) if term and forms else (None, None)
            phrases = {name: spec.noun_phrase(name, noun, gender) for name in spec.noun_phrases}
            plain = {name: spec.noun_phrase(name, None, None) for name in spec.noun_phrases}
            named = set(re.findall(r"\w+", " ".join(phrases.values()).casefold()))
            named -= set(re.findall(r"\w+", " ".join(plain.values()).casefold()))
            for category, fact in facts.items():
                # the work's one maker is asked about unnamed ("the maker of this work"), anyone else by name
                pool = [t for t in spec.templates if t.category == category and t.names_someone == bool(fact.slots)]
                answer = gold(fact, spec, glossary)
                if answer is None:
                    continue
                assert answer.language in (lang, "*")
                # a noun phrase that says an answer ("this painting" -> "Painting") gives way to the plain one
                said_away = any(
                    (words := re.findall(r"\w+", a.casefold())) and set(words) <= named for a in answer.answers
                )
                start = zlib.crc32(f"|{lang}|{category}".encode(), exhibit_hash)
                for k in range(min(max_per_category, len(pool))):
                    t = pool[(start + k) % len(pool)]
                    rows.append(
                        {
                            "question_id": f"{ex.exhibit_id}#{lang}:{t.id}",
                            "exhibit_id": ex.exhibit_id,
                            "category": category,
                            "language": lang,
                            "template_id": t.id,
                            "question": t.text.format_map({**(plain if said_away else phrases), **fact.slots}),
                            "answers": answer.answers,
                            "visual": t.visual,
                            "knowledge": t.knowledge,
                            "answer_language": answer.language,
                            "derived": answer.derived,
                        }
                    )
    return rows


def _check(exhibits_dir: Path, out: Path, languages: list[str], max_per_category: int, seed: int) -> int:
    generate_questions(exhibits_dir, out, languages, max_per_category=max_per_category, seed=seed, progress=False)
    exhibits = [ex for file in sorted(exhibits_dir.glob("*.parquet")) for batch in iter_exhibits(file) for ex in batch]
    rows = pq.read_table(out / "qa.parquet").to_pylist()
    assert rows == reference(exhibits, languages, max_per_category, seed)
    return len(rows)


def test_met_sample_all_languages(ingested_sample: Path, tmp_path: Path) -> None:
    assert _check(ingested_sample / "exhibits", tmp_path / "a", list(LANGUAGES), 1, 0) > 12_000
    assert _check(ingested_sample / "exhibits", tmp_path / "b", ["sv", "en"], 3, 7) > 5_000


@pytest.mark.slow
def test_tate_sample_all_languages(tate_questions_run: Path, tmp_path: Path) -> None:
    assert _check(tate_questions_run / "exhibits", tmp_path, list(LANGUAGES), 1, 3) > 200_000


def test_record_languages_from_a_lido_record(tmp_path: Path) -> None:
    fixture = Path(__file__).resolve().parents[1] / "catalog" / "fixtures" / "lido_1_1_single.xml"
    adapter = LidoAdapter()
    exhibits = [adapter.to_exhibit(r) for r in adapter.read(fixture)]
    (tmp_path / "exhibits").mkdir()
    table = pa.Table.from_pylist([exhibit_to_row(e) for e in exhibits], schema=EXHIBIT_SCHEMA)
    pq.write_table(table, tmp_path / "exhibits" / "part-00000.parquet")
    rows = _check(tmp_path / "exhibits", tmp_path / "qa", ["en", "fr"], 2, 1)
    languages = set(pq.read_table(tmp_path / "qa" / "qa.parquet")["language"].to_pylist())
    assert rows and languages == {"en", "fr", "sv"}  # Swedish from the record's own title
