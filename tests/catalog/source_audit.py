"""Ingest -> questions build -> audit on one source, for the per-source tests (a uniquely named module)."""

from __future__ import annotations

from pathlib import Path

from museumvqa.catalog.ingest import ingest
from museumvqa.questions.audit import AuditReport, audit_run
from museumvqa.questions.generate import generate_questions

LANGUAGES = ("en", "fr", "de", "es", "it", "nl", "sv")


def audited_run(inputs: list[Path], out: Path) -> tuple[AuditReport, dict[str, int]]:
    """The audit report of a run built the way a user builds one, and its pairs per category."""
    ingest(inputs, out, progress=False)
    counts = generate_questions(out / "exhibits", out / "questions", languages=LANGUAGES, progress=False)
    return audit_run(out), counts


def breaches(report: AuditReport) -> list[str]:
    """'check cell share' for every cell over its threshold, readable in an assertion message."""
    return [f"{b.check} {b.cell.key} {b.share:.2f}>{b.threshold}" for b in report.breaches()]
