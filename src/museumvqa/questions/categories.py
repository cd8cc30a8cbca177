"""Question categories, declared once: where the answer comes from, whether a photograph shows it, and
whether it is knowledge no photograph shows (the "Visually unanswerable" task reads that flag).

Knowledge is what no photograph of the object shows and no question gives away: how and when the museum
acquired it, its credit line, and the facts of the person who made it asked without naming them ("When
was the maker of this work born?"). Not the department (the photograph often shows it: ink on silk is in
Asian Art) and not the creator's role (nearly always "artist", and asked naming the creator). A question
that names the person it asks about is not knowledge: the name answers it without the image. That is
`is_knowledge`, the one definition every stage reads (the QA table's `knowledge` column holds it).

A new category is one `register_category` call here (with its facts function in `answers.py`) plus its
templates in each language file; the language files hold wording only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from museumvqa.catalog.schema import Exhibit
from museumvqa.errors import UserError
from museumvqa.questions import answers as a
from museumvqa.questions.glossary import Glossary

FactsOf = Callable[[Exhibit, Glossary], "a.Facts | None"]


@dataclass(frozen=True)
class Category:
    name: str
    facts: FactsOf  # the exhibit's candidate answers, or None: no value, no question
    visual: bool  # the answer can be seen in the photograph (material, object type, subject...)
    needs: tuple[str, ...]  # the record fields the answer comes from (documentation and serving's cards)
    knowledge: bool = False  # what no photograph shows: acquisition, credit line, the maker's own facts
    slots: frozenset[str] = frozenset()  # names a template may mention: {creator}, {person}


CATEGORIES: dict[str, Category] = {}


def register_category(category: Category) -> Category:
    if category.name in CATEGORIES:
        raise ValueError(f"question category {category.name!r} is registered twice")
    CATEGORIES[category.name] = category
    return category


def category(name: str) -> Category:
    """The registered category, or a one-line error naming the known ones."""
    try:
        return CATEGORIES[name]
    except KeyError:
        raise UserError(f"unknown question category {name!r}; known: {', '.join(CATEGORIES)}") from None


def knowledge_categories() -> frozenset[str]:
    """The categories whose questions are knowledge when they name no one."""
    return frozenset(name for name, c in CATEGORIES.items() if c.knowledge)


def is_knowledge(category_name: str, placeholders: frozenset[str]) -> bool:
    """A question no photograph answers: a knowledge category, asked without naming anyone from the record."""
    declared = category(category_name)
    return declared.knowledge and not (placeholders & declared.slots)


_PERSON = frozenset({"person"})
for _declared in (
    Category("title", a.title_facts, visual=False, needs=("title",)),
    Category("creator", a.creator_facts, visual=False, needs=("creator",)),
    Category(
        "creator_role", a.creator_role_facts, visual=False, needs=("creator", "creator.role"),
        slots=frozenset({"creator"}),
    ),
    Category("date", a.date_facts, visual=False, needs=("date",)),
    Category("century", a.century_facts, visual=False, needs=("date_begin", "date_end")),
    Category("period", a.plain_facts("period"), visual=False, needs=("period",)),
    Category("medium", a.medium_facts, visual=True, needs=("medium",)),
    Category("material", a.material_facts, visual=True, needs=("medium",)),
    Category("technique", a.technique_facts, visual=True, needs=("technique", "medium")),
    Category("object_type", a.object_type_facts, visual=True, needs=("object_type",)),
    Category("culture", a.culture_facts, visual=False, needs=("culture", "place")),
    Category("subject", a.plain_facts("subject"), visual=True, needs=("subject",)),
    Category("department", a.plain_facts("department"), visual=False, needs=("department",)),
    Category("dimensions", a.dimensions_facts, visual=False, needs=("dimensions",)),
    Category("inscription", a.inscription_facts, visual=True, needs=("inscription",)),
    Category("credit_line", a.credit_line_facts, visual=False, needs=("credit_line",), knowledge=True),
    Category("acquisition", a.plain_facts("acquisition_year"), visual=False, needs=("acquisition_year",), knowledge=True),
    *(
        Category(fact, a.person_facts(fact), visual=False, needs=(f"people.{fact}",), knowledge=True, slots=_PERSON)
        for fact in ("birth_year", "death_year", "birth_place", "death_place", "nationality")
    ),
):
    register_category(_declared)
