"""Did fine-tuning on museum data cost the model what it could do before? Both models answer the same
general (non-museum) VQA questions (general_vqa.py); the report gives each score and the difference,
after minus before, with a paired bootstrap interval (paired.py) over those questions.

forgetting.json: {"general", "source", "n", "seed", "bootstrap", "before", "after",
"metrics": {metric: {"before": figure, "after": figure, "difference": figure}}}, each figure
{"value", "low", "high", "n"} in percent (the difference in percentage points); beside it the two
predictions files, in the evaluation's format, so `museumvqa compare` can read them too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from museumvqa.evaluation.answerers import ModelAnswerer
from museumvqa.evaluation.comparisons import HEADLINE_METRICS
from museumvqa.evaluation.general_vqa import GeneralSet, load_general
from museumvqa.evaluation.metrics import compute_figures, get_metric
from museumvqa.evaluation.paired import compare, row_values
from museumvqa.evaluation.tables import Table
from museumvqa.io import write_json, write_jsonl
from museumvqa.layout import RunLayout
from museumvqa.models.registry import model_family

MAX_NEW_TOKENS = 8  # the general sets' answers are a word or two


def answer_general(model: str, general: GeneralSet, batch_size: int = 16, device: str | None = None) -> list[dict]:
    """`model`'s answers to every question of `general`, as predictions-file rows."""
    answerer = ModelAnswerer(model, batch_size=batch_size, device=device, max_new_tokens=MAX_NEW_TOKENS)
    rows = [q.row(general.name) for q in general.questions]
    predictions = answerer.answer_rows(rows, [general.images[q.image_key] for q in general.questions])
    return [{**row, "prediction": p, "model": answerer.name} for row, p in zip(rows, predictions)]


def _figure(value: float, low: float, high: float, n: int) -> dict[str, float]:
    return {"value": round(value, 2), "low": round(low, 2), "high": round(high, 2), "n": n}


def forgetting_result(
    before: Sequence[dict],
    after: Sequence[dict],
    metrics: Sequence[str] = HEADLINE_METRICS,
    bootstrap: int = 1000,
    seed: int = 0,
) -> dict[str, dict[str, dict[str, float]]]:
    """{metric: {"before", "after", "difference"}} of two answerers' rows on the same questions; the
    difference is after minus before, resampled jointly (a paired interval)."""
    figures = {}
    for name, rows in (("before", before), ("after", after)):
        figures[name] = compute_figures(
            [r["prediction"] for r in rows],
            [r["answers"] for r in rows],
            [r["language"] for r in rows],
            bootstrap=bootstrap,
            seed=seed,
            categories=[r["category"] for r in rows],
        )
    differences = compare(row_values("after", after), row_values("before", before), metrics, bootstrap, seed)
    return {
        m: {
            "before": _figure(**asdict(figures["before"][m])),
            "after": _figure(**asdict(figures["after"][m])),
            "difference": _figure(differences[m].value, differences[m].low, differences[m].high, differences[m].n),
        }
        for m in metrics
    }


def forgetting_check(
    before: str,
    after: str,
    general: str = "easy-vqa",
    limit: int | None = 1000,
    out_dir: str | Path | None = None,
    batch_size: int = 16,
    bootstrap: int = 1000,
    seed: int = 0,
    device: str | None = None,
) -> dict[str, Any]:
    """Score `before` and `after` (model folders or hub ids) on `limit` questions of the general set's test
    split, drawn with `seed`, on `device` (default: a GPU when there is one); write forgetting.json and both
    predictions files into `out_dir` when given."""
    questions = load_general(general, "test", limit, seed)
    for model in (before, after):  # a wrong path is refused before minutes of answering with the other
        model_family(model)
    import torch  # after the checks: a mistake is refused before torch loads

    device = device or ("cuda" if torch.cuda.is_available() else None)
    rows = {
        name: answer_general(model, questions, batch_size, device)
        for name, model in (("before", before), ("after", after))
    }
    result = {
        "general": questions.name,
        "source": questions.source,
        "n": len(questions.questions),
        "seed": seed,
        "bootstrap": bootstrap,
        "before": before,
        "after": after,
        "metrics": forgetting_result(rows["before"], rows["after"], bootstrap=bootstrap, seed=seed),
    }
    if out_dir is not None:
        layout = RunLayout(Path(out_dir))
        for name, answered in rows.items():
            write_jsonl(answered, layout.predictions / f"general-{questions.name}-{name}.jsonl")
        write_json(result, layout.forgetting)
    return result


def forgetting_table(result: dict[str, Any]) -> Table:
    """forgetting.json as a table: each metric before, after and after minus before."""
    rows = []
    for metric, figures in result["metrics"].items():
        before, after, difference = figures["before"], figures["after"], figures["difference"]
        rows.append(
            [get_metric(metric).label, str(difference["n"])]
            + [f"{f['value']:.1f} [{f['low']:.1f}, {f['high']:.1f}]" for f in (before, after)]
            + [f"{difference['value']:+.1f} [{difference['low']:+.1f}, {difference['high']:+.1f}]"]
        )
    note = (
        f"Before: {result['before']}; after: {result['after']}. Percent on {result['n']} questions (drawn with "
        f"seed {result['seed']}) of {result['source']}, strict matching, 95% bootstrap intervals; the "
        "difference is in percentage points with a paired interval (questions resampled jointly): a negative "
        "difference whose interval excludes 0 is forgetting the questions support."
    )
    header = ["metric", "n", "before", "after", "after − before"]
    return Table(f"Forgetting: general VQA ({result['general']})", header, rows, note)
