"""Score the three serving modes (model, retrieval, grounded) on a run folder's task sets with the
evaluation harness: predictions/serve-<mode>.jsonl and benchmarks/serving/modes.json + a markdown table.

    python benchmarks/serving/measure_modes.py RUN_DIR [--model DIR]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from museumvqa.evaluation.predict import predict
from museumvqa.evaluation.run import runnable_tasks
from museumvqa.evaluation.score import score_file, scores_to_json
from museumvqa.evaluation.tables import scores_table
from museumvqa.layout import RunLayout
from museumvqa.serving.answering import MODES, ModeAnswerer
from museumvqa.serving.server import load_responder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("run", type=Path)
    parser.add_argument("--model", type=Path, default=None, help="default: RUN/model")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "modes.json")
    args = parser.parse_args()
    layout = RunLayout(args.run)
    manifest = json.loads((layout.benchmarks / "manifest.json").read_text())
    tasks = runnable_tasks(manifest, None)
    versions = {t: manifest["tasks"][t]["content_hash"] for t in tasks}
    tables = [layout.benchmarks / f"{t}.parquet" for t in tasks]
    responder = load_responder(args.model or layout.model, args.run)
    results = {}
    for mode in MODES:
        answerer = ModeAnswerer(responder, mode)
        path = predict(
            tables,
            layout.shards,
            answerer,
            layout.predictions / f"serve-{mode}.jsonl",
            progress=False,
            task_versions=versions,
        )
        scored = scores_to_json(score_file(path, bootstrap=200))
        results[answerer.name] = {
            "predictions": str(path),
            "generation": answerer.generation,
            "tasks": scored[answerer.name],
        }
    args.out.write_text(json.dumps(results, indent=2))
    print(scores_table(results))


if __name__ == "__main__":
    main()
