"""The demo: every stage on one collection, reusing finished stages unless forced.

Each stage is a name, the file it writes last (its completion marker in `RunLayout`) and the call
that runs it with its part of `DemoConfig`; `run_demo` only walks that list.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import pyarrow.parquet as pq

from museumvqa.catalog.ingest import RejectGuard, ingest
from museumvqa.catalog.sources import parse_sources
from museumvqa.evaluation.report import write_report
from museumvqa.evaluation.run import evaluate_run
from museumvqa.images.shards import build_shards
from museumvqa.layout import RunLayout
from museumvqa.questions.audit import audit_run, write_audit
from museumvqa.questions.generate import generate_questions
from museumvqa.sample import met_sample_dir
from museumvqa.settings import DemoConfig
from museumvqa.tasks.build import build_benchmarks
from museumvqa.tasks.registry import task_names
from museumvqa.training.run import train

Log = Callable[[str], None]


@dataclass(frozen=True)
class Stage:
    """One step of the demo: done when `marker` exists (each stage writes it last)."""

    name: str
    marker: Path
    work: Callable[[], object]


def run_demo(
    out_dir: str | Path,
    config: DemoConfig | None = None,
    force: bool = False,
    progress: bool = True,
    log: Log = print,
) -> Path:
    """Ingest -> questions -> audit -> shards -> benchmarks -> train -> evaluate -> report; returns report.md."""
    config = config or DemoConfig()
    run = RunLayout(Path(out_dir))
    run.root.mkdir(parents=True, exist_ok=True)
    if force:
        for stage_dir in (run.questions, run.shards, run.benchmarks, run.model, run.predictions):
            shutil.rmtree(stage_dir, ignore_errors=True)
    for stage in demo_stages(run, config, progress):
        _run_stage(stage, force, log)
    return write_report(run.root, settings=asdict(config))


def demo_stages(run: RunLayout, config: DemoConfig, progress: bool) -> list[Stage]:
    """The demo's stages in order, each bound to its settings and the run's folders."""
    return [
        Stage("ingest", run.catalog_manifest, lambda: _ingest(run, config, progress)),
        Stage("questions", run.manifest(run.questions), lambda: _questions(run, config, progress)),
        Stage("audit", run.audit, lambda: write_audit(audit_run(run.root), run.questions)),
        Stage(
            "shards", run.manifest(run.shards), lambda: build_shards(run.exhibits, run.shards, config.shards, progress)
        ),
        Stage("benchmarks", run.manifest(run.benchmarks), lambda: _benchmarks(run, config)),
        Stage("train", run.training_summary, lambda: _train(run, config, progress)),
        Stage("evaluate", run.scores, lambda: _evaluate(run, config, progress)),
    ]


def _run_stage(stage: Stage, force: bool, log: Log) -> None:
    if stage.marker.exists() and not force:
        log(f"[{stage.name}] reusing {stage.marker.parent}")
        return
    start = time.perf_counter()
    log(f"[{stage.name}] running")
    stage.work()
    log(f"[{stage.name}] done in {time.perf_counter() - start:.1f}s")


def _ingest(run: RunLayout, config: DemoConfig, progress: bool) -> None:
    """The configured records, or the built-in sample (records and images) for what is not given."""
    settings = config.ingest
    sample = met_sample_dir() if config.records is None or settings.image_dir is None else None
    records = Path(config.records) if config.records else sample / "objects.json"
    image_dir = settings.image_dir or sample
    sources = parse_sources(
        [str(records)], format=settings.format, mapping=settings.mapping, image_dir=image_dir, museum=settings.museum
    )
    guard = RejectGuard(max_share=settings.max_reject_share, allow=settings.allow_rejects)
    ingest(
        sources,
        run.root,
        progress=progress,
        mode=settings.mode,
        guard=guard,
        workers=settings.workers,
        ray=settings.ray,
        ray_address=settings.ray_address,
    )


def _questions(run: RunLayout, config: DemoConfig, progress: bool) -> None:
    settings = config.questions
    generate_questions(
        run.exhibits,
        run.questions,
        languages=settings.languages,
        categories=settings.categories,
        max_per_category=settings.max_per_category,
        seed=settings.seed,
        progress=progress,
        record_languages=settings.record_languages,
        constant_share=settings.constant_share,
        constant_min_exhibits=settings.constant_min_exhibits,
        workers=settings.workers,
        ray=settings.ray,
        ray_address=settings.ray_address,
    )


def _benchmarks(run: RunLayout, config: DemoConfig) -> None:
    settings = config.benchmarks
    build_benchmarks(
        run.qa,
        run.shard_index,
        run.benchmarks,
        seed=settings.seed,
        val_fraction=settings.val_fraction,
        test_fraction=settings.test_fraction,
        tasks=settings.tasks or task_names(),
        exhibits=run.exhibits,
        test_museums=settings.test_museums,
        leak_min_matches=settings.leak_check,
        train_languages=settings.train_languages,
        memory_limit=settings.memory_limit,
        batch_rows=settings.batch_rows,
        workers=settings.workers,
        ray=settings.ray,
        ray_address=settings.ray_address,
    )


def _train(run: RunLayout, config: DemoConfig, progress: bool) -> None:
    val_table = _validation_table(run.val_table)
    train(config.train, run.train_table, run.shards, run.model, val_table=val_table, progress=progress)


def _validation_table(path: Path) -> Path | None:
    """The validation split when it has a question with an image (a small collection may have none)."""
    if not path.is_file():
        return None
    keys = pq.read_table(path, columns=["image_key"]).column("image_key")
    return path if keys.null_count < len(keys) else None


def _evaluate(run: RunLayout, config: DemoConfig, progress: bool) -> None:
    settings = config.evaluate
    evaluate_run(
        run.root,
        [str(run.model), "baseline:majority", "baseline:question-only", "baseline:retrieval"],
        tasks=settings.tasks,
        batch_size=settings.batch_size,
        bootstrap=settings.bootstrap,
        progress=progress,
        seed=settings.seed,
        semantic=settings.semantic,
        max_new_tokens=settings.max_new_tokens,
        workers=settings.workers,
        ray=settings.ray,
        ray_address=settings.ray_address,
    )
