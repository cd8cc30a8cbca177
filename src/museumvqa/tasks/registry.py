"""The task registry: a task is declared once and every stage reads the declaration.

A `Task` says which test rows it asks (its set, built from the split QA pairs joined to their views),
why it can come out empty, how its scores are broken down (`Breakdown`: one table per prediction field)
and which report sections it adds beyond its tables (`Section`). The benchmark build, `score`, the
score tables and the report iterate `TASKS`, so adding a task is one `register_task` call. The paper's
five tasks are declared in `definitions.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from museumvqa.errors import UserError

Row = dict[str, Any]
Views = dict[str, list[tuple[str, str]]]  # exhibit id -> [(image key, main|real|generated)], main first


@dataclass(frozen=True)
class Breakdown:
    """Scores per value of one prediction field, tabled with `metrics`.

    A headline breakdown is in every score table (the CLI's too); the others are in the report only, and
    only where the field takes two or more values, so a one-museum run shows no one-row tables."""

    field: str
    metrics: tuple[str, ...]
    headline: bool = False
    title: str | None = None  # a name of its own (General's per-category breakdown is the "Category-wise" task)

    def titled(self, title: str) -> Breakdown:
        """The same breakdown under a name of its own."""
        return Breakdown(self.field, self.metrics, self.headline, title)


@dataclass(frozen=True)
class Section:
    """A report section a task adds beyond its tables: a plot `kind` (evaluation/sections.py) over the
    breakdown by `field`, written as `name`.png (unique in a report)."""

    kind: str
    name: str
    field: str = "category"


BY_CATEGORY = Breakdown(
    "category",
    ("partial_precision", "complete_precision", "partial_recall", "exact_match", "lenient_exact_match"),
    True,
)
# Every task is broken down by these unless it declares otherwise; so is a task a predictions file
# names that is not registered here (`score` takes any file).
BREAKDOWNS: tuple[Breakdown, ...] = (
    BY_CATEGORY,
    *(Breakdown(field, ("partial_precision", "exact_match")) for field in ("language", "museum", "continent", "view")),
)


@dataclass(frozen=True)
class Task:
    """A task set: `build` maps the test rows (each on its main view) and every exhibit's views to the
    rows it asks; `empty_reason` says why it has none on the data at hand, unless `qa_reason` finds the
    QA table's languages already explain it.

    `build` must treat each row on its own (keep, drop or expand it, in order), so that building a batch
    at a time gives the rows of one call on all of them: the benchmark build streams the test rows."""

    name: str
    title: str
    build: Callable[[list[Row], Views], list[Row]]
    empty_reason: str
    breakdowns: tuple[Breakdown, ...] = BREAKDOWNS
    sections: tuple[Section, ...] = ()
    qa_reason: Callable[[set[str]], str | None] | None = None


TASKS: dict[str, Task] = {}


def register_task(task: Task) -> Task:
    """Declare a task; every stage picks it up from here."""
    if task.name in TASKS:
        raise ValueError(f"task {task.name!r} is already registered")
    TASKS[task.name] = task
    return task


def task_names() -> tuple[str, ...]:
    """Every registered task, in registration (report) order."""
    return tuple(TASKS)


def get_tasks(names: Sequence[str]) -> list[Task]:
    """The named tasks; an unknown name is a one-line UserError listing the known ones."""
    unknown = sorted(set(names) - set(TASKS))
    if unknown:
        raise UserError(f"unknown tasks {unknown}; known: {', '.join(TASKS)}")
    return [TASKS[name] for name in names]


def breakdowns_of(task: str) -> tuple[Breakdown, ...]:
    """The breakdowns of a task; a task the registry does not know (a predictions file's own) gets the default."""
    return TASKS[task].breakdowns if task in TASKS else BREAKDOWNS


def why_empty(name: str, has_test: bool, languages: set[str]) -> str:
    """The reason a task set came out empty: an empty test split first, then the QA table, then the task."""
    if not has_test:
        return "the test split is empty (no test exhibit with an image kept)"
    task = TASKS[name]
    return (task.qa_reason(languages) if task.qa_reason else None) or task.empty_reason
