"""The task definitions held on questions generated from real records (the Met sample, English and French,
every category): what Visually unanswerable and MultiLanguage ask is what their names say."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from museumvqa.questions.categories import knowledge_categories
from museumvqa.questions.generate import generate_questions
from museumvqa.tasks.build import build_benchmarks


@pytest.fixture(scope="module")
def built(ingested_sample: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict[str, list[str]]]:
    """Every category in en and fr; one primary image key per exhibit (no pixels: the leak check is off)."""
    out = tmp_path_factory.mktemp("definitions")
    generate_questions(ingested_sample / "exhibits", out / "questions", ["en", "fr"], seed=0, progress=False)
    exhibits = pq.read_table(ingested_sample / "exhibits", columns=["exhibit_id", "people"]).to_pylist()
    ids = [e["exhibit_id"] for e in exhibits]
    pq.write_table(pa.table({"key": [f"k{i}" for i in range(len(ids))], "exhibit_id": ids, "role": ["primary"] * len(ids)}), out / "index.parquet")  # fmt: skip
    manifest = build_benchmarks(
        out / "questions" / "qa.parquet", out / "index.parquet", out / "bench", seed=0, test_fraction=0.5,
        leak_min_matches=None,
    )  # fmt: skip
    names = {e["exhibit_id"]: [p["name"] for p in e["people"] or []] for e in exhibits}
    return out / "bench", manifest, names


def _rows(bench: Path, name: str) -> list[dict]:
    return pq.read_table(bench / f"{name}.parquet").to_pylist()


def _surnames(names: list[str]) -> set[str]:
    return {part for name in names for part in name.replace(",", " ").split() if len(part) > 3 and part[0].isupper()}


def test_visually_unanswerable_names_no_one_and_asks_no_department_or_role(built: tuple) -> None:
    bench, manifest, names = built
    unanswerable = _rows(bench, "unanswerable")
    assert len(unanswerable) >= 50
    categories = {r["category"] for r in unanswerable}
    assert categories <= knowledge_categories() and not categories & {"department", "creator_role"}
    assert {"acquisition", "credit_line", "birth_year", "death_year"} <= categories
    named = [r["question"] for r in unanswerable if any(s in r["question"] for s in _surnames(names[r["exhibit_id"]]))]
    assert not named, named[:5]
    # person questions that do name someone (several makers, a sitter...) exist and stay in General only
    general = _rows(bench, "general")
    person = [r for r in general if r["category"] in {"birth_year", "death_year", "nationality"} and not r["knowledge"]]
    assert person and all(any(s in r["question"] for s in _surnames(names[r["exhibit_id"]])) for r in person)


def test_multilanguage_gold_is_in_the_question_language(built: tuple) -> None:
    bench, manifest, _ = built
    multilanguage = _rows(bench, "multilanguage")
    assert multilanguage and {r["language"] for r in multilanguage} == {"fr"}
    gold = manifest["multilanguage_gold"]
    assert gold["gold_in_question_language"] >= 0.95 * gold["questions"] > 0
    # a French question's gold written in French differs from the English gold of the same exhibit and category
    english = {(r["exhibit_id"], r["category"]): r["answers"] for r in _rows(bench, "general")}
    french = [r for r in multilanguage if r["answer_language"] == "fr" and (r["exhibit_id"], r["category"]) in english]
    assert french and all(r["answers"] != english[r["exhibit_id"], r["category"]] for r in french)
