"""Score the three serving modes (model, retrieval, grounded) on a run folder's task sets with the
evaluation harness, for one or more models (BLIP or LLaVA folders): predictions/serve-<family>-<mode>.jsonl,
then modes.json and modes.md (a summary table of every task x model x mode, then the full tables).

    python benchmarks/serving/measure_modes.py RUN_DIR [--model DIR ...] [--note TEXT]
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from museumvqa.evaluation.predict import predict
from museumvqa.evaluation.run import runnable_tasks
from museumvqa.evaluation.score import score_file, scores_to_json
from museumvqa.evaluation.tables import scores_table
from museumvqa.layout import RunLayout
from museumvqa.models.registry import model_family
from museumvqa.serving.answering import MODES, ModeAnswerer
from museumvqa.serving.server import load_responder

SUMMARY_METRICS = ("exact_match", "partial_recall")


def measure(run: Path, model: Path, tasks: list[str], versions: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Each mode of one model through `predict` and `score_file`, keyed `<family>:<mode>`."""
    layout = RunLayout(run)
    family = model_family(model)
    responder = load_responder(model, run)
    results = {}
    for mode in MODES:
        answerer = ModeAnswerer(responder, mode)
        wall, cpu = time.perf_counter(), time.process_time()
        path = predict(
            [layout.benchmarks / f"{t}.parquet" for t in tasks],
            layout.shards,
            answerer,
            layout.predictions / f"serve-{family}-{mode}.jsonl",
            progress=False,
            task_versions=versions,
        )
        seconds = {"wall_s": round(time.perf_counter() - wall, 1), "cpu_s": round(time.process_time() - cpu, 1)}
        scored = scores_to_json(score_file(path, bootstrap=200))
        results[f"{family}:{mode}"] = {
            "model": str(model),
            "predictions": str(path),
            "generation": answerer.generation,
            "time": seconds,
            "tasks": scored[answerer.name],
        }
    return results


def summary(results: dict[str, dict[str, Any]], tasks: list[str]) -> str:
    """One row per task, one column per model:mode; each cell the summary metrics with 95% intervals."""
    names = list(results)
    lines = ["| task | n | " + " | ".join(names) + " |", "|---|---|" + "---|" * len(names)]
    for task in tasks:
        n = results[names[0]]["tasks"][task]["overall"]["exact_match"]["n"]
        cells = []
        for name in names:
            overall = results[name]["tasks"][task]["overall"]
            cells.append(" / ".join(f"{overall[m]['value']:.1f}" for m in SUMMARY_METRICS))
        lines.append(f"| {task} | {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("run", type=Path)
    parser.add_argument("--model", type=Path, action="append", help="repeatable; default: RUN/model")
    parser.add_argument("--note", default="", help="how the run folder and the models were made")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    args = parser.parse_args()
    layout = RunLayout(args.run)
    manifest = json.loads((layout.benchmarks / "manifest.json").read_text())
    tasks = runnable_tasks(manifest, None)
    versions = {t: manifest["tasks"][t]["content_hash"] for t in tasks}
    results: dict[str, dict[str, Any]] = {}
    for model in args.model or [layout.model]:
        results.update(measure(args.run, model, tasks, versions))
    (args.out / "modes.json").write_text(json.dumps(results, indent=2))
    times = ", ".join(
        f"{name} {r['time']['wall_s']} s wall / {r['time']['cpu_s']} s CPU" for name, r in results.items()
    )
    markdown = [
        "# Answering modes on the five tasks",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `benchmarks/serving/measure_modes.py` "
        f"(the evaluation harness: `predict` + `score_file`, 200 bootstrap resamples). {args.note}",
        "",
        "Models: " + "; ".join(f"`{name}` = {r['model']}" for name, r in results.items() if name.endswith(":model")),
        "",
        f"Time to answer every task row, per mode (2 shared CPU cores, other work running): {times}.",
        "",
        f"## Summary: {' / '.join(m.replace('_', ' ') for m in SUMMARY_METRICS)} (%)",
        "",
        summary(results, tasks),
        "",
        "## Full tables",
        "",
        scores_table(results),
        "",
    ]
    (args.out / "modes.md").write_text("\n".join(markdown))
    print("\n".join(markdown))


if __name__ == "__main__":
    main()
