"""Evaluate answerers on a run's task sets: predictions JSONL per answerer, then scores.json.

scores.json: {answerer: {"predictions", "task_versions", "generation", "seed", "tasks": {task: scores}}}.
Each evaluation merges its answerers into it: evaluating X after Y keeps Y's entry (unless the task sets
were rebuilt since Y was scored), evaluating X again replaces X's. Tasks the benchmark manifest marks
empty are skipped (the report says why).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from museumvqa.errors import UserError
from museumvqa.evaluation.answerers import REFERENCE_PREFIXES, make_answerer
from museumvqa.evaluation.api_answerer import API_PREFIX, ApiSettings, safe_stem
from museumvqa.evaluation.predict import Ranks, predict
from museumvqa.evaluation.score import score_file, scores_to_json
from museumvqa.evaluation.semantic import SemanticMatcher
from museumvqa.evaluation.slices import Slices
from museumvqa.io import write_json
from museumvqa.layout import RunLayout


def prediction_file_name(answerer_name: str) -> str:
    """`baseline:majority` -> `baseline-majority.jsonl`, `oracle:catalogue` -> `oracle-catalogue.jsonl`,
    `openai:org/model` -> `openai-org-model.jsonl`; a model folder -> `model-<folder name>.jsonl`."""
    if answerer_name.startswith(API_PREFIX):
        return f"{safe_stem(answerer_name)}.jsonl"
    if answerer_name.startswith((*REFERENCE_PREFIXES, "file:")):
        return answerer_name.replace(":", "-") + ("" if answerer_name.endswith(".jsonl") else ".jsonl")
    return f"model-{Path(answerer_name).name or 'model'}.jsonl"


def runnable_tasks(manifest: dict[str, Any], tasks: Sequence[str] | None) -> list[str]:
    """The asked tasks (default: every task of the manifest) that have rows."""
    info = manifest["tasks"]
    asked = list(info) if tasks is None or list(tasks) == ["all"] else list(tasks)
    unknown = [t for t in asked if t not in info]
    if unknown:
        raise UserError(f"task {unknown[0]!r} was not built; built: {', '.join(info)}")
    return [t for t in asked if info[t]["rows"] > 0]


def answer_budget(tables: Sequence[Path], floor: int = 8, ceiling: int = 96) -> int:
    """New tokens a model may generate: twice the words of the 99th-percentile first gold answer, plus 2.

    Subword tokenizers spend one to two tokens per word of a title or credit line; a fixed cap of 12
    cut 3.6-4.2% of the gold answers. Streams the `answers` column, one row group at a time.
    """
    lengths: list[int] = []
    for table in tables:
        for batch in pq.ParquetFile(table).iter_batches(columns=["answers"]):
            lengths += [len(answers[0].split()) if answers else 0 for answers in batch.column(0).to_pylist()]
    if not lengths:
        return floor
    lengths.sort()
    p99 = lengths[min(len(lengths) - 1, int(0.99 * len(lengths)))]
    return max(floor, min(ceiling, 2 * p99 + 2))


def read_scores(path: Path) -> dict[str, dict]:
    """scores.json as it stands ({} when there is none); anything else is a UserError."""
    try:
        old = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (ValueError, UnicodeDecodeError):
        old = None
    if not isinstance(old, dict):
        raise UserError(f"{path}: not a scores file (a JSON object by answerer); move it away and evaluate again")
    return old


def merged_scores(path: Path, new: dict[str, dict], manifest: dict[str, Any]) -> dict[str, dict]:
    """scores.json's entries with `new` put in: an answerer evaluated again replaces its entry; others stay
    unless they were scored on a task set that has since been rebuilt (another content hash)."""
    current = {task: info["content_hash"] for task, info in manifest["tasks"].items()}
    old = read_scores(path)  # read now, not when evaluation started: another evaluation may have added to it
    kept = {
        name: entry
        for name, entry in old.items()
        if name not in new
        and isinstance(entry, dict)
        and all(current.get(task) == version for task, version in entry.get("task_versions", {}).items())
    }
    return {**kept, **new}


def evaluate_run(
    run_dir: str | Path,
    answerers: Sequence[str],
    tasks: Sequence[str] | None = None,
    batch_size: int = 16,
    bootstrap: int = 1000,
    progress: bool = True,
    seed: int = 0,
    semantic: bool = False,
    accelerator: Any = None,
    max_new_tokens: int | None = None,
    api: ApiSettings | None = None,
    workers: int = 1,
    ray: bool = False,
    ray_address: str | None = None,
) -> dict[str, dict]:
    """Answer every task question with each answerer; write predictions/*.jsonl and merge their scores into
    scores.json (`merged_scores`); returns the whole of scores.json.

    `max_new_tokens` caps a model's answers (recorded in each prediction's `generation`); None sizes it
    from the gold answers of the task sets (`answer_budget`), so long titles and credit lines are not cut.
    `api` says how `openai:` answerers are asked; their answers are cached in `api_cache/` of the run.
    `workers` > 1 answers in that many slices at once, each a process with its own answerer, or, with `ray`
    or `ray_address`, a Ray task (`Slices`); this process builds one more answerer to name and merge them."""
    if workers < 1:
        raise UserError(f"--workers {workers}: give 1 or more")
    layout = RunLayout(Path(run_dir))
    manifest_path = layout.benchmarks / "manifest.json"
    if not manifest_path.is_file():
        raise UserError(f"{manifest_path}: task sets missing (run `museumvqa benchmarks` first)")
    manifest = json.loads(manifest_path.read_text())
    names = runnable_tasks(manifest, tasks)
    if not names:
        reasons = "; ".join(f"{t}: {i['empty_reason']}" for t, i in manifest["tasks"].items() if not i["rows"])
        raise UserError(f"{manifest_path}: every asked task set is empty ({reasons})")
    versions = {t: manifest["tasks"][t]["content_hash"] for t in names}
    read_scores(layout.scores)  # a broken scores.json is refused before hours of answering, not after
    tables = [layout.benchmarks / f"{task}.parquet" for task in names]
    max_new_tokens = max_new_tokens or answer_budget(tables)
    ranks = Ranks(accelerator)
    matcher = SemanticMatcher() if semantic and ranks.is_main else None
    device = str(accelerator.device) if accelerator is not None else None
    scores: dict[str, dict] = {}
    for spec in answerers:
        build = partial(  # absolute folders: a cluster's workers do not start in this working folder
            make_answerer,
            spec,
            layout.benchmarks.resolve(),
            layout.shards.resolve(),
            batch_size=batch_size,
            device=device,
            max_new_tokens=max_new_tokens,
            api=api,
            api_cache=layout.root.resolve() / "api_cache",
        )
        answerer = build()
        slices = None
        if ray or ray_address:  # a Ray task asks for one CPU and no GPU: its answerer runs on the CPU
            slices = Slices(partial(build, device=None), workers, ray, ray_address)
        elif workers > 1:
            slices = Slices(build, workers)
        path = predict(
            tables,
            layout.shards,
            answerer,
            layout.predictions / prediction_file_name(answerer.name),
            batch_size,
            progress,
            seed=seed,
            task_versions=versions,
            accelerator=accelerator,
            slices=slices,
        )
        if not ranks.is_main:
            continue
        per_model = scores_to_json(score_file(path, bootstrap=bootstrap, seed=seed, semantic=matcher))
        scores[answerer.name] = {
            "predictions": str(path),
            "task_versions": versions,
            "generation": answerer.generation,
            "seed": seed,
            "tasks": {task: per_model[answerer.name][task] for task in names},
        }
    if ranks.is_main:
        scores = merged_scores(layout.scores, scores, manifest)
        write_json(scores, layout.scores)
    return scores
