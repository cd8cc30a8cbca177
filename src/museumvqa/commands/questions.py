"""CLI commands of questions: `museumvqa questions build` (exhibits -> QA pairs) and `questions stats`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from museumvqa.commands.common import Quiet


def _split(text: str | None) -> list[str] | None:
    return [part.strip() for part in text.split(",") if part.strip()] if text else None


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""
    group = typer.Typer(help="Question/answer pairs from the exhibits' attributes.", no_args_is_help=True)
    app.add_typer(group, name="questions")

    @group.command("build")
    def build(
        exhibits: Annotated[Path, typer.Option(help="Folder of exhibit Parquet files (from ingest).")],
        out: Annotated[Path, typer.Option(help="Output folder: qa.parquet, manifest.json.")],
        languages: Annotated[str, typer.Option(help="Comma-separated languages: en,fr,de,es,it,nl,sv.")] = "en",
        categories: Annotated[str | None, typer.Option(help="Comma-separated categories (default: all).")] = None,
        max_per_category: Annotated[int, typer.Option(help="Questions per exhibit, category and language.")] = 1,
        seed: Annotated[int, typer.Option(help="Seed of template choice.")] = 0,
        record_languages: Annotated[
            bool, typer.Option(help="Also ask in the languages of a record's own titles (e.g. Swedish LIDO).")
        ] = True,
        quiet: Quiet = False,
    ) -> None:
        """Generate question/answer pairs in the given languages; identical output for the same seed."""
        from museumvqa.questions.generate import generate_questions

        counts = generate_questions(
            exhibits,
            out,
            _split(languages) or [],
            _split(categories),
            max_per_category,
            seed,
            not quiet,
            record_languages,
        )
        typer.echo(
            f"{sum(counts.values())} QA pairs in {out / 'qa.parquet'}: "
            + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        )

    @group.command("stats")
    def stats(
        qa: Annotated[Path, typer.Argument(help="A QA Parquet file (questions/qa.parquet or a benchmark set).")],
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    ) -> None:
        """Pairs per category, language, and visual/knowledge."""
        import json

        from museumvqa.questions.stats import qa_stats

        result = qa_stats(qa)
        if as_json:
            typer.echo(json.dumps({k: dict(v) for k, v in result.items()}, indent=2, ensure_ascii=False))
            return
        total = sum(n for _, n in result["category"])
        for name in ("category", "language", "kind"):
            typer.echo(f"\n| {name} | pairs | share |\n|---|---:|---:|")
            for key, n in result[name]:
                typer.echo(f"| {key} | {n} | {100 * n / total:.1f}% |")
        typer.echo(f"\n{total} pairs in {qa}")
