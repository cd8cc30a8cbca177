"""The paper's five tasks, declared (our reading of the paper: ../shared/DESIGN.md).

General, Category-wise, MultiAngle and Visually unanswerable are asked in English; MultiLanguage holds
every other language, so adding a translation never changes the English numbers.
"""

from __future__ import annotations

from museumvqa.questions.categories import knowledge_categories
from museumvqa.tasks.registry import Row, Section, Task, Views, register_task


def is_knowledge_question(row: Row) -> bool:
    """Not answerable from the pixels: the question's category is declared knowledge (questions/categories.py)."""
    return row["category"] in knowledge_categories()


def english(rows: list[Row], views: Views) -> list[Row]:
    """Every English test question, on the main view."""
    return [r for r in rows if r["language"] == "en"]


def every_view(rows: list[Row], views: Views) -> list[Row]:
    """Every English question of an exhibit with two or more views, asked on each view."""
    return [
        {**r, "image_key": key, "view": label}
        for r in english(rows, views)
        if len(views[r["exhibit_id"]]) >= 2
        for key, label in views[r["exhibit_id"]]
    ]


def knowledge(rows: list[Row], views: Views) -> list[Row]:
    """English knowledge questions (acquisition, credit line, department, person facts)."""
    return [r for r in english(rows, views) if is_knowledge_question(r)]


def not_english(rows: list[Row], views: Views) -> list[Row]:
    """Every non-English test question."""
    return [r for r in rows if r["language"] != "en"]


def _english_only(languages: set[str]) -> str | None:
    return "the QA table holds English questions only" if languages <= {"en"} else None


register_task(Task("general", "General VQA", english, "no English test questions"))
register_task(
    Task(
        "category",
        "Category-wise",
        english,
        "no English test questions",
        sections=(Section("bars", "categories"), Section("paper", "paper")),
    )
)
register_task(
    Task(
        "multiangle",
        "MultiAngle",
        every_view,
        "no test exhibit has two or more indexed views (the image index holds primary images only)",
    )
)
register_task(
    Task(
        "unanswerable",
        "Visually unanswerable",
        knowledge,
        "no knowledge questions (acquisition, credit line, department, person facts) in the test split",
    )
)
register_task(
    Task("multilanguage", "MultiLanguage", not_english, "no non-English test questions", qa_reason=_english_only)
)
