"""Every registered question category honours the contract; a new category is one declaration.

Each category has templates in every shipped language, and its facts function gives answers for real
records (the Met sample, the Tate sample where present) or None. A toy category declared here, in a test
file, with templates in a curator's own language file, generates pairs without any edit to the package.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from museumvqa.catalog.schema import Exhibit
from museumvqa.errors import UserError
from museumvqa.questions.answers import Candidate, Facts
from museumvqa.questions.categories import CATEGORIES, Category, category, knowledge_categories, register_category
from museumvqa.questions.generate import QuestionGenerator
from museumvqa.questions.glossary import Glossary, load_glossary
from museumvqa.questions.templates import available_languages, load_language


def test_every_category_has_templates_in_every_language() -> None:
    for lang in available_languages():
        assert {t.category for t in load_language(lang).templates} == set(CATEGORIES), lang


@pytest.mark.parametrize("name", sorted(CATEGORIES))
def test_facts_on_real_records(name: str, met_exhibits: list[Exhibit]) -> None:
    glossary = load_glossary()
    found = [f for ex in met_exhibits if (f := CATEGORIES[name].facts(ex, glossary)) is not None]
    for facts in found:
        assert facts.candidates and all(c.text.strip() for c in facts.candidates)
        assert set(facts.slots) <= CATEGORIES[name].slots


def test_one_definition_of_knowledge() -> None:
    """What no photograph shows: not the department (the picture often shows it) nor the creator's role."""
    assert knowledge_categories() == {
        "acquisition", "credit_line", "birth_year", "death_year", "birth_place", "death_place", "nationality",
    }  # fmt: skip
    assert not any(CATEGORIES[c].visual for c in knowledge_categories())
    for lang in available_languages():
        for t in load_language(lang).templates:
            # a knowledge question names no one: "When did Carpaccio die?" is answered without the image
            assert t.knowledge == (t.category in knowledge_categories() and "person" not in t.placeholders), t
        unnamed = {t.category for t in load_language(lang).templates if t.knowledge}
        assert unnamed == knowledge_categories(), lang  # every knowledge category can be asked unnamed


def test_unknown_category_is_one_line() -> None:
    with pytest.raises(UserError, match="unknown question category 'colour'; known: title, creator"):
        category("colour")


def _museum_facts(ex: Exhibit, glossary: Glossary) -> Facts | None:
    return Facts((Candidate(ex.museum, "*"),))


@pytest.fixture()
def toy_category() -> Iterator[Category]:
    """Registered for one test only, so other tests see the shipped categories."""
    yield register_category(Category("toy_museum", _museum_facts, visual=False, needs=("museum",), knowledge=True))
    del CATEGORIES["toy_museum"]


def test_a_toy_category_declared_in_a_test_generates_pairs(
    tmp_path: Path, met_exhibits: list[Exhibit], toy_category: Category
) -> None:
    own = tmp_path / "en.yaml"
    shipped = Path(__file__).resolve().parents[2] / "src" / "museumvqa" / "questions" / "templates" / "en.yaml"
    own.write_text(
        shipped.read_text(encoding="utf-8") + "  toy_museum:\n    templates:\n      toy_museum-1: Which museum holds this?\n",
        encoding="utf-8",
    )
    spec = load_language("en", str(own))
    generator = QuestionGenerator(["en"], categories=["toy_museum"], record_languages=False)
    generator.specs["en"] = spec
    pairs = generator.pairs(met_exhibits[0])
    assert [(p.question, p.answers) for p in pairs] == [("Which museum holds this?", ["met"])]
    assert "toy_museum" in knowledge_categories()
