"""The report of one or several runs: report.md and a self-contained report.html (plots and gallery
thumbnails inlined as base64), built from the manifests, scores.json and predictions found in each run.

The report is assembled as a list of blocks and rendered twice, so the Markdown and the HTML always say
the same thing. The Markdown's pictures are written beside it under `report_files/`.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from museumvqa.errors import UserError
from museumvqa.evaluation.blocks import Block, Gallery, Heading, Plot, Text
from museumvqa.evaluation.collapse_flags import collapse_lines
from museumvqa.evaluation.comparisons import paired_blocks
from museumvqa.evaluation.forgetting import forgetting_table
from museumvqa.evaluation.gallery import wrong_answers
from museumvqa.evaluation.paper import paper_lines
from museumvqa.evaluation.plots import task_bars
from museumvqa.evaluation.sections import section_plots
from museumvqa.evaluation.tables import Table, score_tables
from museumvqa.io import atomic_path
from museumvqa.layout import RunLayout
from museumvqa.questions.audit import audit_summary_lines
from museumvqa.sample import SAMPLE_SOURCE, met_sample_records

FILES_DIR = "report_files"


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.is_file() else {}


def _short(answerer: str) -> str:
    """A model folder is shown by its folder name; baselines, oracles and hub ids as they are."""
    path = Path(answerer)
    return answerer if answerer.startswith(("baseline:", "oracle:", "file:")) or not path.is_absolute() else path.name


def _run_labels(runs: Sequence[Path]) -> list[str]:
    names = [run.name for run in runs]
    return [name if names.count(name) == 1 else f"{name}#{i + 1}" for i, name in enumerate(names)]


def _data_lines(run: RunLayout) -> list[str]:
    catalog = _load(run.root / "catalog_manifest.json")
    questions = _load(run.questions / "manifest.json")
    shards = _load(run.shards / "manifest.json")
    bench = _load(run.benchmarks / "manifest.json")
    training = _load(run.model / "training_summary.json")
    lines = []
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
        leaks = bench.get("leaks", {})
        lines.append(
            f"- Split ({bench.get('split_mode', 'exhibit')}, seed {bench['seed']}): exhibits {bench['exhibits']}; "
            f"near-duplicate leaks found {leaks.get('pairs', 0)}, test exhibits removed {leaks.get('test_exhibits_removed', 0)}."
        )
    if training:
        lines.append(
            f"- Training: {training.get('steps')} steps, final loss {training.get('final_loss', float('nan')):.3f}, "
            f"{training.get('seconds', 0):.0f}s."
        )
    return lines


def _is_sample(path: str) -> bool:
    try:
        return Path(path).resolve() == met_sample_records().resolve()
    except UserError:  # the sample's package is not installed: the input cannot be it
        return False


def _source_lines(catalog: dict[str, Any]) -> list[str]:
    """Where the exhibits came from: each catalogue input, its format and counts (the built-in sample named)."""
    inputs = catalog.get("inputs") or []
    if not inputs:
        return ["- Source: not recorded (the run has no catalog_manifest.json from `ingest`)."]
    return [
        f"- Source: {Path(item['path']).name}, read as {item['adapter']}: {item['exhibits']} exhibits, "
        f"{item['rejects']} rejects" + (f"; the built-in sample: {SAMPLE_SOURCE}" if _is_sample(item["path"]) else ".")
        for item in inputs
    ]


def _task_table(bench: dict[str, Any]) -> Table:
    rows = []
    for name, info in bench.get("tasks", {}).items():
        if info["rows"]:
            rows.append(
                [name, str(info["rows"]), str(info["questions"]), str(info["exhibits"]), ", ".join(info["languages"])]
                + [info["content_hash"], ""]
            )
        else:
            rows.append([name, "0", "0", "0", "", info["content_hash"], f"empty: {info['empty_reason']}"])
    header = ["task", "rows", "questions", "exhibits", "languages", "version (content hash)", "note"]
    return Table("Task sets", header, rows)


def _merged_scores(runs: Sequence[RunLayout], labels: list[str]) -> dict[str, dict[str, Any]]:
    merged = {}
    for run, label in zip(runs, labels):
        for answerer, result in _load(run.root / "scores.json").items():
            name = _short(answerer) if len(runs) == 1 else f"{label}: {_short(answerer)}"
            merged[name] = result
    return merged


def build_blocks(
    runs: Sequence[Path], settings: dict[str, Any] | None, gallery_per_group: int, seed: int
) -> list[Block]:
    """Everything the report says, in order."""
    layouts = [RunLayout(Path(r)) for r in runs]
    labels = _run_labels([layout.root for layout in layouts])
    title = "museumvqa run report" if len(runs) == 1 else "museumvqa report: " + ", ".join(labels)
    blocks: list[Block] = [Heading(1, title)]
    for layout, label in zip(layouts, labels):  # before any table: a collapsed model can look merely weak in them
        prefix = "" if len(runs) == 1 else f"{label}: "
        lines = collapse_lines(_load(layout.scores), layout.train_table, lambda a, p=prefix: p + _short(a))
        blocks += [Text([line]) for line in lines]  # a paragraph each
    for layout, label in zip(layouts, labels):
        training = _load(layout.model / "training_summary.json")
        if training and training.get("pretrained_weights") is False:
            blocks.append(
                Text(
                    [
                        f"**No pretrained weights were used** ({label}): {training.get('note', '').rstrip('.')}. These numbers test "
                        "the pipeline; they say nothing about what a pretrained BLIP or LLaVA reaches."
                    ]
                )
            )
    run_scores = [_load(layout.root / "scores.json") for layout in layouts]
    blocks += paired_blocks([(None if len(runs) == 1 else label, s) for label, s in zip(labels, run_scores)], _short)
    for layout, label in zip(layouts, labels):
        blocks.append(Heading(2, "Data" if len(runs) == 1 else f"Data: {label}"))
        blocks.append(Text([*_data_lines(layout), *_source_lines(_load(layout.root / "catalog_manifest.json"))]))
        bench = _load(layout.benchmarks / "manifest.json")
        if bench:
            blocks.append(_task_table(bench))
        audit = _load(layout.questions / "audit.json")
        if audit:
            blocks += [Heading(3, "Dataset quality (questions audit)"), Text(audit_summary_lines(audit))]
    scores = _merged_scores(layouts, labels)
    if scores:
        blocks.append(Heading(2, "Scores"))
        blocks.append(Text(["Percentages with their 95% bootstrap interval; answerers side by side."]))
        blocks += score_tables(scores, detailed=True)
        blocks.append(Heading(2, "Plots"))
        blocks.append(
            Plot("tasks", task_bars(scores, "partial_precision", "partial precision"), "Partial precision per task.")
        )
        blocks += section_plots(scores)
    for layout, label in zip(layouts, labels):
        forgetting = _load(layout.forgetting)
        if forgetting:
            heading = "Forgetting" if len(runs) == 1 else f"Forgetting: {label}"
            blocks += [Heading(2, heading), forgetting_table(forgetting)]
    blocks.append(
        Heading(2, "The paper's published figures (for reference, not comparable to a from-scratch tiny model)")
    )
    blocks.append(Text(paper_lines()))
    for layout, label in zip(layouts, labels):
        results = _load(layout.root / "scores.json")
        references = ("baseline:", "oracle:")  # shown in the gallery only when the run has no model
        models = [a for a in results if not a.startswith(references)] or list(results)
        for answerer in models:
            path = Path(results[answerer]["predictions"])
            if path.is_file() and gallery_per_group > 0:
                items = wrong_answers(path, layout.shards, gallery_per_group, seed)
                name = _short(answerer) if len(runs) == 1 else f"{label}: {_short(answerer)}"
                blocks.append(Gallery(f"Error gallery: {name} ({len(items)} sampled wrong answers)", items))
    if settings:
        blocks += [Heading(2, "Settings"), Text(["```json\n" + json.dumps(settings, indent=2, default=str) + "\n```"])]
    return blocks


def _markdown(blocks: Sequence[Block], files: Path) -> str:
    parts = []
    thumbnails = 0
    for block in blocks:
        if isinstance(block, Heading):
            parts.append("#" * block.level + " " + block.text)
        elif isinstance(block, Text):
            parts.append("\n".join(block.lines))
        elif isinstance(block, Table):
            parts.append(block.markdown())
        elif isinstance(block, Plot):
            (files / f"{block.name}.png").write_bytes(block.png)
            parts.append(f"![{block.caption}]({FILES_DIR}/{block.name}.png)\n\n{block.caption}")
        elif isinstance(block, Gallery):
            rows = []
            for item in block.items:
                thumbnails += 1
                name = f"gallery-{thumbnails:04d}.jpg"
                (files / name).write_bytes(item.thumbnail)
                rows.append(
                    [f"![{item.image_key}]({FILES_DIR}/{name})", item.task, item.category, item.question]
                    + [" / ".join(item.answers), item.prediction or "(empty)"]
                )
            table = Table(block.title, ["image", "task", "category", "question", "gold", "prediction"], rows)
            parts.append(table.markdown())
    return "\n\n".join(parts) + "\n"


def _html_table(table: Table) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in table.header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in table.rows)
    note = f'<p class="note">{html.escape(table.note)}</p>' if table.note else ""
    return f"<h3>{html.escape(table.title)}</h3><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}"


def _html_text(text: Text) -> str:
    out, items = [], []
    for line in text.lines:
        if line.startswith("- "):
            items.append(f"<li>{html.escape(line[2:])}</li>")
            continue
        if items:
            out.append("<ul>" + "".join(items) + "</ul>")
            items = []
        if line.startswith("```"):
            out.append("<pre>" + html.escape(line.strip("`").removeprefix("json\n")) + "</pre>")
        else:
            escaped = html.escape(line)
            out.append("<p>" + escaped.replace("**", "<strong>", 1).replace("**", "</strong>", 1) + "</p>")
    if items:
        out.append("<ul>" + "".join(items) + "</ul>")
    return "".join(out)


def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:.9em}"
    "td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}"
    "th{background:#f3f3f3}figure{margin:1em 0}img.plot{max-width:100%}"
    ".gallery{display:flex;flex-wrap:wrap;gap:1em}.card{border:1px solid #ccc;padding:.5em;width:220px;font-size:.85em}"
    ".card img{max-width:100%}.wrong{color:#b00}"
)


def _html(blocks: Sequence[Block]) -> str:
    title = next((b.text for b in blocks if isinstance(b, Heading)), "museumvqa report")
    parts = []
    for block in blocks:
        if isinstance(block, Heading):
            parts.append(f"<h{block.level}>{html.escape(block.text)}</h{block.level}>")
        elif isinstance(block, Text):
            parts.append(_html_text(block))
        elif isinstance(block, Table):
            parts.append(_html_table(block))
        elif isinstance(block, Plot):
            parts.append(
                f'<figure><img class="plot" alt="{html.escape(block.name)}" src="{_data_uri(block.png, "image/png")}">'
                f"<figcaption>{html.escape(block.caption)}</figcaption></figure>"
            )
        elif isinstance(block, Gallery):
            cards = "".join(
                f'<div class="card"><img alt="{html.escape(i.image_key)}" src="{_data_uri(i.thumbnail, "image/jpeg")}">'
                f"<div><b>{html.escape(i.task)} / {html.escape(i.category)}</b></div>"
                f"<div>Q: {html.escape(i.question)}</div><div>gold: {html.escape(' / '.join(i.answers))}</div>"
                f'<div class="wrong">said: {html.escape(i.prediction or "(empty)")}</div></div>'
                for i in block.items
            )
            parts.append(f'<h3>{html.escape(block.title)}</h3><div class="gallery">{cards}</div>')
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{STYLE}</style></head><body>{''.join(parts)}</body></html>\n"
    )


RUN_PARTS = ("exhibits", "questions", "shards", "benchmarks", "scores.json")  # what a report can show


def write_report(
    run_dir: str | Path,
    settings: dict[str, Any] | None = None,
    compare: Sequence[str | Path] = (),
    out_dir: str | Path | None = None,
    gallery_per_group: int = 2,
    seed: int = 0,
) -> Path:
    """Write report.md, report_files/ and report.html for `run_dir` (and `compare` runs side by side)
    into `out_dir` (default: the first run's folder); returns report.md."""
    runs = [Path(run_dir), *(Path(r) for r in compare)]
    for run in runs:
        if not run.is_dir():
            raise UserError(f"{run}: no such run folder")
        if not any((run / part).exists() for part in RUN_PARTS):
            raise UserError(
                f"{run}: not a run folder (none of {', '.join(RUN_PARTS)}); give a folder the stages wrote, e.g. runs/demo"
            )
    out = Path(out_dir) if out_dir is not None else runs[0]
    files = out / FILES_DIR
    files.mkdir(parents=True, exist_ok=True)
    blocks = build_blocks(runs, settings, gallery_per_group, seed)
    report = out / RunLayout(out).report.name
    with atomic_path(report) as tmp:
        tmp.write_text(_markdown(blocks, files), encoding="utf-8")
    with atomic_path(out / "report.html") as tmp:
        tmp.write_text(_html(blocks), encoding="utf-8")
    return report
