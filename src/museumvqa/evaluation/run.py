"""Evaluate answerers on a run's task sets: predictions JSONL per answerer, then scores."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from museumvqa.errors import UserError
from museumvqa.evaluation.answerers import make_answerer
from museumvqa.evaluation.predict import predict
from museumvqa.evaluation.score import score_file, scores_to_json
from museumvqa.io import write_json
from museumvqa.layout import RunLayout


def prediction_file_name(answerer_name: str) -> str:
    """`baseline:majority` -> `baseline-majority.jsonl`; a model folder -> `model-<folder name>.jsonl`."""
    if answerer_name.startswith("baseline:"):
        return answerer_name.replace(":", "-") + ".jsonl"
    return f"model-{Path(answerer_name).name or 'model'}.jsonl"


def evaluate_run(
    run_dir: str | Path,
    answerers: Sequence[str],
    tasks: Sequence[str] = ("general", "category"),
    batch_size: int = 16,
    bootstrap: int = 1000,
    progress: bool = True,
) -> dict[str, dict]:
    """Answer every task question with each answerer; write predictions/*.jsonl and scores.json."""
    layout = RunLayout(Path(run_dir))
    tables = [layout.benchmarks / f"{task}.parquet" for task in tasks]
    for table in tables:
        if not table.is_file():
            raise UserError(f"{table}: task set missing (run `museumvqa benchmarks` first)")
    scores: dict[str, dict] = {}
    for spec in answerers:
        answerer = make_answerer(spec, train_table=layout.benchmarks / "train.parquet", batch_size=batch_size)
        path = predict(
            tables,
            layout.shards,
            answerer,
            layout.predictions / prediction_file_name(answerer.name),
            batch_size,
            progress,
        )
        tasks_scores = scores_to_json(score_file(path, bootstrap=bootstrap))[answerer.name]
        scores[answerer.name] = {"predictions": str(path), "tasks": tasks_scores}
    write_json(scores, layout.root / "scores.json")
    return scores
