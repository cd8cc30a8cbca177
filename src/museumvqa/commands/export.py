"""CLI command `museumvqa export`: the dataset for LLaVA / LLaMA-Factory / HF datasets, or a merged LoRA model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from museumvqa.errors import UserError


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""

    @app.command()
    def export(
        out: Annotated[Path, typer.Option(help="Output folder.")],
        format: Annotated[str | None, typer.Option("--format", help="llava | sharegpt | hf.")] = None,
        qa: Annotated[Path | None, typer.Option(help="QA Parquet file (questions/qa.parquet or a split).")] = None,
        shards: Annotated[Path | None, typer.Option(help="Shard folder holding the images (index.parquet).")] = None,
        per_image: Annotated[
            bool, typer.Option("--per-image", help="All questions of an image as one multi-turn conversation.")
        ] = False,
        name: Annotated[str, typer.Option(help="Dataset name (file name, dataset_info.json key).")] = "museumvqa",
        merge: Annotated[
            Path | None, typer.Option("--merge", help="Merge this LoRA adapter folder into its base model instead.")
        ] = None,
    ) -> None:
        """Write the QA pairs with their images in a trainer's format, or merge a LoRA adapter (--merge)."""
        if merge is not None:
            _merge(merge, out)
            return
        if format is None or qa is None or shards is None:
            raise UserError("export needs --format, --qa and --shards (or --merge ADAPTER_DIR)")
        from museumvqa.questions.export import export_dataset

        summary = export_dataset(qa, shards, out, format, per_image, name)  # type: ignore[arg-type]
        skipped = f"; {summary.skipped_no_image} questions skipped (no image)" if summary.skipped_no_image else ""
        typer.echo(
            f"{summary.records} {summary.format} records ({summary.questions} questions, {summary.images} images)"
            f" in {out}: {', '.join(summary.files)}{skipped}"
        )


def _merge(adapter_dir: Path, out: Path) -> None:
    try:
        from museumvqa.training.merge import merge_lora
    except ImportError:
        raise UserError("--merge: this install has no LoRA merging yet (museumvqa.training.merge.merge_lora)") from None
    merged = merge_lora(adapter_dir, out)
    typer.echo(f"merged model in {merged or out}")
