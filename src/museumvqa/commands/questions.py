"""CLI commands of questions: `museumvqa questions build` (exhibits -> QA pairs) and `questions stats`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from museumvqa.commands.common import ConfigFile, Overrides, Quiet, load_settings, option, split
from museumvqa.layout import RunLayout
from museumvqa.settings import QuestionsConfig


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""
    group = typer.Typer(help="Question/answer pairs from the exhibits' attributes.", no_args_is_help=True)
    app.add_typer(group, name="questions")

    @group.command("build")
    def build(
        exhibits: Annotated[Path, typer.Option(help="Folder of exhibit Parquet files (from ingest).")],
        out: Annotated[Path, typer.Option(help="Output folder: qa.parquet, manifest.json.")],
        languages: Annotated[str | None, option(QuestionsConfig, "languages")] = None,
        categories: Annotated[str | None, option(QuestionsConfig, "categories")] = None,
        max_per_category: Annotated[int | None, option(QuestionsConfig, "max_per_category")] = None,
        seed: Annotated[int | None, option(QuestionsConfig, "seed")] = None,
        record_languages: Annotated[
            bool | None, option(QuestionsConfig, "record_languages", "--record-languages/--no-record-languages")
        ] = None,
        constant_share: Annotated[float | None, option(QuestionsConfig, "constant_share")] = None,
        constant_min_exhibits: Annotated[int | None, option(QuestionsConfig, "constant_min_exhibits")] = None,
        workers: Annotated[int | None, option(QuestionsConfig, "workers", min=1)] = None,
        ray: Annotated[bool | None, option(QuestionsConfig, "ray", "--ray")] = None,
        ray_address: Annotated[str | None, option(QuestionsConfig, "ray_address")] = None,
        config: ConfigFile = None,
        overrides: Overrides = None,
        quiet: Quiet = False,
    ) -> None:
        """Generate question/answer pairs in the given languages; identical output for the same seed."""
        cfg = load_settings(
            QuestionsConfig,
            config,
            overrides,
            languages=split(languages),
            categories=split(categories),
            max_per_category=max_per_category,
            seed=seed,
            record_languages=record_languages,
            constant_share=constant_share,
            constant_min_exhibits=constant_min_exhibits,
            workers=workers,
            ray=ray,
            ray_address=ray_address,
        )
        from museumvqa.inputs import input_folder, output_folder, require_columns
        from museumvqa.questions.generate import generate_questions

        what = "the exhibits/ folder that `ingest` wrote"
        require_columns(input_folder(exhibits, "--exhibits", what), ("exhibit_id", "attributes", "people"), what)
        output_folder(out)
        counts = generate_questions(
            exhibits,
            out,
            cfg.languages,
            cfg.categories,
            cfg.max_per_category,
            cfg.seed,
            not quiet,
            cfg.record_languages,
            constant_share=cfg.constant_share,
            constant_min_exhibits=cfg.constant_min_exhibits,
            workers=cfg.workers,
            ray=cfg.ray,
            ray_address=cfg.ray_address,
        )
        typer.echo(
            f"{sum(counts.values())} QA pairs in {out / RunLayout.QA}: "
            + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        )

    @group.command("stats")
    def stats(
        qa: Annotated[Path, typer.Argument(help="A QA Parquet file (questions/qa.parquet or a benchmark set).")],
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    ) -> None:
        """Pairs per category, language, and kind (visual, knowledge, catalogue)."""
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

    @group.command("audit")
    def audit(
        run: Annotated[Path, typer.Argument(help="Run folder with exhibits/ and questions/qa.parquet.")],
        overrides: Annotated[
            list[str] | None,
            typer.Option("--set", help="A check's threshold (--set language_text=0.1) or a setting (max_tokens=15, "
                         "tokens.title=40, constant_share=0.95, constant_min_exhibits=20, examples=3)."),
        ] = None,
        threshold: Annotated[
            float | None, typer.Option(help="One threshold (share of a cell's pairs) for every check; --set wins.")
        ] = None,
        strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when any check exceeds its threshold.")] = False,
    ) -> None:
        """Quality report of the QA pairs per source x language x category: questions/audit.md and audit.json."""
        from museumvqa.questions.audit import SUMMARY_HEADER, audit_run, settings_from, summary_rows, write_audit

        report = audit_run(run, settings_from(overrides or [], threshold))
        md_path, _ = write_audit(report, RunLayout(run).questions)
        typer.echo("| " + " | ".join(SUMMARY_HEADER) + " |\n|" + "---|" * len(SUMMARY_HEADER))
        for row in summary_rows(report):
            typer.echo("| " + " | ".join(row) + " |")
        breaches = report.breaches()
        typer.echo(f"\n{report.pairs} pairs, {len(breaches)} check x cell results over threshold; report: {md_path}")
        if strict and breaches:
            worst = breaches[0]
            typer.echo(
                f"audit failed: {worst.check} is {100 * worst.share:.1f}% of {worst.cell.key} "
                f"(threshold {100 * worst.threshold:.1f}%), the worst of {len(breaches)} over threshold",
                err=True,
            )
            raise typer.Exit(1)
