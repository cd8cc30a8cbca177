import json
import re
from collections import defaultdict
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from museumvqa.catalog.adapters.lido import LidoAdapter
from museumvqa.catalog.schema import Exhibit
from museumvqa.errors import UserError
from museumvqa.questions.answers import century_fields
from museumvqa.questions.categories import CATEGORIES
from museumvqa.questions.generate import QuestionGenerator, generate_questions
from museumvqa.questions.glossary import LANGUAGES, load_glossary
from museumvqa.questions.templates import load_language


@pytest.fixture(scope="module")
def met_qa(ingested_sample: Path, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    out = tmp_path_factory.mktemp("met_qa")
    generate_questions(ingested_sample / "exhibits", out, languages=LANGUAGES, seed=0, progress=False)
    return pq.read_table(out / "qa.parquet").to_pylist()


@pytest.fixture(scope="module")
def tate_qa(tate_questions_run: Path, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    out = tmp_path_factory.mktemp("tate_qa")
    generate_questions(tate_questions_run / "exhibits", out, languages=LANGUAGES, seed=0, progress=False)
    return pq.read_table(out / "qa.parquet").to_pylist()


def _record_text(ex: Exhibit) -> str:
    values = [v.value for vs in ex.attributes.values() for v in vs] + [
        v.role or "" for v in ex.attributes.get("creator", [])
    ]
    values += [str(ex.date_begin), str(ex.date_end)]
    values += [
        str(getattr(p, f))
        for p in ex.people
        for f in ("name", "birth_year", "death_year", "birth_place", "death_place", "nationality")
    ]
    return _measures("\n".join(values).casefold())


def _measures(text: str) -> str:
    """'45.4 × 115.3' and '45.4x115.3' read as '45.4 x 115.3', as the derived measurement writes it."""
    text = re.sub(r"(\d)\s*[x×]\s*(\d)", r"\1 x \2", text)
    return re.sub(r"(\d)\s*(mm|cm|m)\b", r"\1 \2", text)


def _translations_in(text: str) -> list[str]:
    """Every glossary form of every term whose English name or alias occurs in the record text."""
    glossary = load_glossary()
    return [
        form.casefold()
        for term in glossary.terms
        if any(name in text for name in glossary.spellings(term))
        for forms in term.forms.values()
        for form in forms
    ]


def _grounded(answer: str, row: dict, ex: Exhibit, text: str, translations: list[str]) -> bool:
    """The answer is in the record, or a curated translation of a term in the record, or its century."""
    a = _measures(answer.casefold())
    if a in text or a in translations:
        return True
    spec = load_language(row["language"])
    if row["category"] == "century":
        return answer in {p.format(**century_fields((ex.date_begin - 1) // 100 + 1)) for p in spec.century}
    if row["category"] == "medium":  # composed: connector words plus translated terms only
        rest = a
        for form in sorted(translations, key=len, reverse=True):
            rest = rest.replace(form, " ")
        return not set(re.split(r"[\s,]+", rest)) - {"", spec.words["and"].casefold(), spec.words["on"].casefold()}
    return False


@pytest.mark.parametrize("sample", ["met", pytest.param("tate", marks=pytest.mark.slow)])
def test_supported_categories_yield_every_language_and_grounded_answers(
    sample: str, request: pytest.FixtureRequest
) -> None:
    rows: list[dict] = request.getfixturevalue(f"{sample}_qa")
    exhibits = {ex.exhibit_id: ex for ex in request.getfixturevalue(f"{sample}_exhibits")}
    glossary = load_glossary()
    supported = {c for c, facts in ((name, c.facts) for name, c in CATEGORIES.items()) if any(facts(ex, glossary) for ex in exhibits.values())}
    constant = {c.category for c in QuestionGenerator(LANGUAGES).survey(exhibits.values())}
    assert constant == {"creator_role"}  # "Artist" / "artist" for every maker of both museums
    languages = defaultdict(set)
    for row in rows:
        languages[row["category"]].add(row["language"])
        assert row["answer_language"] in (row["language"], "*"), row
    assert set(languages) == supported - constant
    # Neutral (names, years, sizes) and translated (glossary, centuries) answers reach every language.
    for category in ("creator", "century", "birth_year", "dimensions", "material", "object_type"):
        assert languages[category] == set(LANGUAGES), category
    assert len(supported - constant) >= (15 if sample == "tate" else 16)
    assert len({r["question_id"] for r in rows}) == len(rows)
    texts = {eid: _record_text(ex) for eid, ex in exhibits.items()}
    translations: dict[str, list[str]] = {}
    for row in rows[:: 5 if sample == "tate" else 1]:
        assert row["answers"] and all(a and a == a.strip() for a in row["answers"]), row
        assert "{" not in row["question"]
        ex = exhibits[row["exhibit_id"]]
        eid = row["exhibit_id"]
        if eid not in translations:
            translations[eid] = _translations_in(texts[eid])
        assert all(_grounded(a, row, ex, texts[eid], translations[eid]) for a in row["answers"]), row


def test_met_answers_match_the_source_record(met_qa: list[dict], met_records: list[dict]) -> None:
    by_accession = {f"met:{o['accessionNumber']}": o for o in met_records}
    for row in met_qa:
        record = by_accession[row["exhibit_id"]]
        if row["category"] == "title":
            assert row["answers"] == [" ".join(record["title"].split())]
        if row["category"] == "department":
            assert row["answers"] == [record["department"]]
        if row["category"] == "creator":
            # a lower-case bracketed note ("(called Hans Baldung Grien)") is English text, not part of the name
            assert row["answers"][0] == re.sub(r"\s*\([a-z][^()]*\)$", "", record["artistDisplayName"])
        if row["category"] == "object_type" and record["objectName"] == "Painting":
            expected = {"en": "Painting", "fr": "tableau", "de": "Gemälde", "sv": "målning"}
            assert row["answers"][0] == expected.get(row["language"], row["answers"][0])
            assert row["answer_language"] == row["language"]


def test_visual_flag_follows_category(met_qa: list[dict]) -> None:
    assert {r["visual"] for r in met_qa if r["category"] in ("medium", "material", "object_type", "subject")} == {True}
    assert {r["visual"] for r in met_qa if r["category"] in ("title", "creator", "date", "credit_line")} == {False}


def test_questions_in_the_record_own_language() -> None:
    ex = Exhibit("lido:1", "lido", "test", "-")
    ex.add("title", "Vinterlandskap", lang="sv")
    ex.add("object_type", "Painting")
    pairs = QuestionGenerator(["en"]).pairs(ex)
    # The only title is Swedish: asked in Swedish, never in English with a Swedish answer.
    assert {(p.language, p.category) for p in pairs} == {("sv", "title"), ("en", "object_type"), ("sv", "object_type")}
    sv = next(p for p in pairs if p.language == "sv" and p.category == "title")
    assert sv.answers == ["Vinterlandskap"] and sv.answer_language == "sv"
    assert "denna målning" in sv.question or "detta" in sv.question
    assert [p.answers for p in pairs if p.category == "object_type"] == [["Painting"], ["målning"]]
    assert {(p.language, p.category) for p in QuestionGenerator(["en"], record_languages=False).pairs(ex)} == {
        ("en", "object_type")
    }


def test_lido_record_languages_and_translated_vocabulary() -> None:
    """A real-format LIDO record (the catalog's fixture) with Swedish and English values."""
    fixture = Path(__file__).resolve().parents[1] / "catalog" / "fixtures" / "lido_1_1_single.xml"
    adapter = LidoAdapter()
    (ex,) = [adapter.to_exhibit(r) for r in adapter.read(fixture)][:1]
    pairs = {(p.language, p.category): p for p in QuestionGenerator(["en", "fr"]).pairs(ex)}
    assert {lang for lang, _ in pairs} == {"en", "fr", "sv"}  # Swedish from the record's own title
    assert pairs["sv", "title"].answers[0] == "Vinterlandskap" and pairs["sv", "title"].answer_language == "sv"
    assert pairs["sv", "object_type"].answers[0] == "grafiskt blad"  # the record's own Swedish term
    assert pairs["fr", "object_type"].answers == ["estampe"]  # the English 'print' through the glossary
    assert pairs["en", "object_type"].answers == ["print"]  # no Swedish alias for an English question
    assert ("fr", "title") not in pairs  # the titles are Swedish and English: not asked in French
    assert any("cette estampe" in p.question for (lang, _), p in pairs.items() if lang == "fr")


def test_same_seed_same_bytes_other_seed_other_templates(ingested_sample: Path, tmp_path: Path) -> None:
    for name, seed in (("a", 0), ("b", 0), ("c", 1)):
        generate_questions(
            ingested_sample / "exhibits", tmp_path / name, languages=["en", "fr"], seed=seed, progress=False
        )
    assert (tmp_path / "a" / "qa.parquet").read_bytes() == (tmp_path / "b" / "qa.parquet").read_bytes()
    read = lambda name: pq.read_table(tmp_path / name / "qa.parquet")  # noqa: E731
    assert read("a")["template_id"].to_pylist() != read("c")["template_id"].to_pylist()
    assert read("a")["answers"].to_pylist() == read("c")["answers"].to_pylist()


def test_options_languages_categories_max_per_category(ingested_sample: Path, tmp_path: Path) -> None:
    options = dict(languages=["de", "it"], categories=["title", "century"], max_per_category=2, progress=False)
    # The Met records are English: by default English questions come too, as the records' own language;
    # their English titles are asked in English only, centuries (166 of 174 within one) in every language.
    counts = generate_questions(ingested_sample / "exhibits", tmp_path, **options)
    assert counts == {"title": 174 * 2, "century": 166 * 2 * 3}
    counts = generate_questions(ingested_sample / "exhibits", tmp_path, record_languages=False, **options)
    assert counts == {"century": 166 * 2 * 2}
    rows = pq.read_table(tmp_path / "qa.parquet").to_pylist()
    per_exhibit = defaultdict(set)
    for row in rows:
        per_exhibit[(row["exhibit_id"], row["language"])].add(row["template_id"])
    assert all(len(ids) == 2 for ids in per_exhibit.values())
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["pairs"] == 664 and manifest["languages"] == ["de", "it"] and manifest["seed"] == 0
    assert manifest["per_category"] == {"century": 664} and manifest["per_language"] == {"de": 332, "it": 332}


def test_bad_options_are_user_errors(ingested_sample: Path, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="unknown question categories"):
        generate_questions(ingested_sample / "exhibits", tmp_path, categories=["colour"], progress=False)
    with pytest.raises(UserError, match="no question templates for language 'xx'"):
        generate_questions(ingested_sample / "exhibits", tmp_path, languages=["xx"], progress=False)
    with pytest.raises(UserError, match="max_per_category must be at least 1"):
        generate_questions(ingested_sample / "exhibits", tmp_path, max_per_category=0, progress=False)
    with pytest.raises(UserError, match="no exhibit Parquet files"):
        generate_questions(tmp_path / "empty", tmp_path, progress=False)
