"""The paper's five tasks, declared (our reading of the paper: ../shared/DESIGN.md), and one robustness variant.

- General: every English test question, on the exhibit's main photograph.
- Category-wise: General's rows broken down by question category (a declared breakdown, not a task file).
- MultiAngle: the same English questions on every real photograph of an exhibit that has two or more
  (catalogue views, IIIF canvases); scored per view and for consistency across an exhibit's views.
- Visually unanswerable: English questions whose answer no photograph shows and which name no one
  (acquisition, credit line, the maker's own facts asked as "the maker of this work"): the QA table's
  `knowledge` column, defined once in questions/categories.py.
- MultiLanguage: every non-English question whose gold answers are in its own language or
  language-neutral (years, names), so a model is not asked for an English answer in French.
- Robustness (generated views): General's questions on crops, rotations, ... generated from the main
  photograph; never mixed into MultiAngle, which holds real photographs only.

General, MultiAngle and Visually unanswerable are asked in English; MultiLanguage holds every other
language, so adding a translation never changes the English numbers.
"""

from __future__ import annotations

from museumvqa.tasks.registry import BREAKDOWNS, BY_CATEGORY, Row, Section, Task, Views, register_task
from museumvqa.tasks.views import GENERATED, MAIN, REAL

NEUTRAL_ANSWER = "*"  # a QA row's `answer_language` when every answer is language-neutral


def english(rows: list[Row], views: Views) -> list[Row]:
    """Every English test question, on the main view."""
    return [r for r in rows if r["language"] == "en"]


def _on_views(rows: list[Row], views: Views, kind: str) -> list[Row]:
    """Every English question of an exhibit with a view of `kind`, asked on the main view and each such view."""
    asked = []
    for row in english(rows, views):
        own = [(key, label) for key, label in views[row["exhibit_id"]] if label in (MAIN, kind)]
        if len(own) >= 2:
            asked += [{**row, "image_key": key, "view": label} for key, label in own]
    return asked


def real_views(rows: list[Row], views: Views) -> list[Row]:
    """MultiAngle: every real photograph of an exhibit that has two or more."""
    return _on_views(rows, views, REAL)


def generated_views(rows: list[Row], views: Views) -> list[Row]:
    """The robustness variant: the main photograph and the views generated from it."""
    return _on_views(rows, views, GENERATED)


def knowledge(rows: list[Row], views: Views) -> list[Row]:
    """English questions no photograph answers and that name no one (the QA table's `knowledge` column)."""
    return [r for r in english(rows, views) if r["knowledge"]]


def in_own_language(row: Row) -> bool:
    """The gold answers are in the question's language, or language-neutral."""
    return row.get("answer_language") in (row["language"], NEUTRAL_ANSWER)


def not_english(rows: list[Row], views: Views) -> list[Row]:
    """Every non-English test question whose gold answers are in its language (or neutral)."""
    return [r for r in rows if r["language"] != "en" and in_own_language(r)]


def _english_only(languages: set[str]) -> str | None:
    return "the QA table holds English questions only" if languages <= {"en"} else None


_CATEGORY_WISE = BY_CATEGORY.titled("Category-wise")
register_task(
    Task(
        "general",
        "General VQA",
        english,
        "no English test questions",
        breakdowns=(_CATEGORY_WISE, *BREAKDOWNS[1:]),
        sections=(Section("bars", "categories"), Section("paper", "paper")),
    )
)
register_task(
    Task(
        "multiangle",
        "MultiAngle",
        real_views,
        "no test exhibit has two or more real photographs (catalogue views, IIIF canvases) in the image index",
    )
)
register_task(
    Task(
        "unanswerable",
        "Visually unanswerable",
        knowledge,
        "no knowledge questions (acquisition, credit line, the maker's facts asked without naming the maker) "
        "in the test split",
    )
)
register_task(
    Task("multilanguage", "MultiLanguage", not_english, "no non-English test questions", qa_reason=_english_only)
)
register_task(
    Task(
        "robustness",
        "Robustness (generated views)",
        generated_views,
        "no test exhibit has generated views (shards --generated-views N makes crops, rotations, ...)",
    )
)
