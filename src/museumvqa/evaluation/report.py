"""report.md of a run: what went in, what came out, the scores beside the baseline and the paper."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from museumvqa.evaluation.tables import scores_table
from museumvqa.io import atomic_path
from museumvqa.layout import RunLayout
from museumvqa.sample import SAMPLE_SOURCE

# The paper's published figures (ICCV version), shown beside ours and marked as such.
PAPER_FIGURES = [
    (
        "title accuracy",
        "GPT-4o 22.03, LLaVA zero-shot 10.13, LLaVA fine-tuned (20M, 1 epoch) 57.00, BLIP zero-shot 3.00, BLIP fine-tuned 52.00",
    ),
    (
        "origin accuracy",
        "GPT-4o 33.33, LLaVA zero-shot 23.42, LLaVA fine-tuned 70.00, BLIP zero-shot 5.00, BLIP fine-tuned 61.00",
    ),
    ("headline (LLaVA-20M)", "80% partial precision, 64% complete precision"),
]


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.is_file() else {}


def write_report(run_dir: str | Path, settings: dict[str, Any] | None = None) -> Path:
    """Write `run_dir/report.md` from the manifests and scores.json found there."""
    run = RunLayout(Path(run_dir))
    catalog = _load(run.root / "catalog_manifest.json")
    questions = _load(run.questions / "manifest.json")
    shards = _load(run.shards / "manifest.json")
    bench = _load(run.benchmarks / "manifest.json")
    training = _load(run.model / "training_summary.json")
    scores = _load(run.root / "scores.json")

    lines = ["# museumvqa run report", ""]
    if training and training.get("pretrained_weights") is False:
        lines += [
            f"> **No pretrained weights were used.** {training.get('note', '')} These numbers test the "
            "pipeline; they say nothing about what a pretrained BLIP or LLaVA reaches.",
            "",
        ]
    lines += ["## Data", ""]
    if catalog:
        lines.append(
            f"- Catalogue: {catalog['records']} records -> {catalog['exhibits']} exhibits, {catalog['rejects']} rejects."
        )
    if questions:
        per_category = ", ".join(f"{k} {v}" for k, v in questions["per_category"].items())
        lines.append(
            f"- Questions: {questions['pairs']} pairs ({per_category}); languages {', '.join(questions['languages'])}; seed {questions['seed']}."
        )
    if shards:
        counts = shards.get("counts", shards)
        lines.append(
            f"- Images: {counts.get('images_ok')} in {counts.get('shards')} shards, {counts.get('rejected')} rejected."
        )
    if bench:
        lines.append(
            f"- Split (by exhibit, seed {bench['seed']}): {bench['exhibits']}; questions {bench['counts']}; "
            f"task content hashes {bench['content_hash']}."
        )
    if training:
        lines.append(
            f"- Training: {training.get('steps')} steps, final loss {training.get('final_loss', float('nan')):.3f}, "
            f"{training.get('seconds', 0):.0f}s."
        )
    lines.append(f"- Sample source: {SAMPLE_SOURCE}")
    if scores:
        lines += ["", "## Scores", "", scores_table(scores)]
    lines += ["", "## The paper's published figures (for reference, not comparable to a from-scratch tiny model)", ""]
    lines += [f"- {name}: {text}" for name, text in PAPER_FIGURES]
    if settings:
        lines += ["", "## Settings", "", "```json", json.dumps(settings, indent=2, default=str), "```"]
    with atomic_path(run.report) as tmp:
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return run.report
