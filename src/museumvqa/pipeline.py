"""The demo: every stage on one collection, reusing finished stages unless forced."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyarrow.parquet as pq

from museumvqa.benchmarks.tasks import build_benchmarks
from museumvqa.catalog.adapters.met_api import MetApiAdapter
from museumvqa.catalog.ingest import MANIFEST as CATALOG_MANIFEST
from museumvqa.catalog.ingest import ingest
from museumvqa.evaluation.report import write_report
from museumvqa.evaluation.run import evaluate_run
from museumvqa.images.shards import build_shards
from museumvqa.layout import RunLayout
from museumvqa.questions.audit import audit_run, write_audit
from museumvqa.questions.generate import generate_questions
from museumvqa.sample import met_sample_dir
from museumvqa.training.config import TrainConfig
from museumvqa.training.run import train


@dataclass
class DemoConfig:
    """Settings of `museumvqa demo`; YAML keys and `--set key=value` overrides map onto these."""

    records: str | None = None  # Met API JSON; None = the built-in 174-painting sample
    image_dir: str | None = None  # folder of <objectID>.jpg; None = the sample's
    seed: int = 0
    shard_image_size: int = 224
    generated_views: int = 0  # > 0 adds flagged crops/rotations per photo, filling the MultiAngle task
    max_per_category: int = 1
    languages: list[str] = field(default_factory=lambda: ["en"])
    # the skeleton's seven categories keep the demo within minutes; null = every category
    categories: list[str] | None = field(
        default_factory=lambda: ["title", "creator", "date", "medium", "culture", "department", "object_type"]
    )
    batch_size: int = 16
    bootstrap: int = 1000
    train: TrainConfig = field(default_factory=TrainConfig)


def _stage(name: str, done_marker: Path, force: bool, log: Callable[[str], None], work: Callable[[], object]) -> None:
    if done_marker.exists() and not force:
        log(f"[{name}] reusing {done_marker.parent}")
        return
    start = time.perf_counter()
    log(f"[{name}] running")
    work()
    log(f"[{name}] done in {time.perf_counter() - start:.1f}s")


def _validation_table(path: Path) -> Path | None:
    """The validation split when it has a question with an image (a small collection may have none)."""
    if not path.is_file():
        return None
    keys = pq.read_table(path, columns=["image_key"]).column("image_key")
    return path if keys.null_count < len(keys) else None


def run_demo(
    out_dir: str | Path,
    config: DemoConfig | None = None,
    force: bool = False,
    progress: bool = True,
    log: Callable[[str], None] = print,
) -> Path:
    """Ingest -> questions -> shards -> benchmarks -> train -> evaluate -> report; returns report.md."""
    config = config or DemoConfig()
    run = RunLayout(Path(out_dir))
    run.root.mkdir(parents=True, exist_ok=True)
    sample = met_sample_dir() if config.records is None or config.image_dir is None else None
    records = Path(config.records) if config.records else sample / "objects.json"
    image_dir = Path(config.image_dir) if config.image_dir else sample
    if force:
        for stage_dir in (run.questions, run.shards, run.benchmarks, run.model, run.predictions):
            shutil.rmtree(stage_dir, ignore_errors=True)

    _stage(
        "ingest",
        run.root / CATALOG_MANIFEST,
        force,
        log,
        lambda: ingest([records], run.root, MetApiAdapter(image_dir), progress=progress, mode="replace"),
    )
    _stage(
        "questions",
        run.questions / "manifest.json",
        force,
        log,
        lambda: generate_questions(
            run.exhibits,
            run.questions,
            languages=config.languages,
            categories=config.categories,
            max_per_category=config.max_per_category,
            seed=config.seed,
            progress=progress,
        ),
    )
    _stage(
        "audit",
        run.questions / "audit.json",
        force,
        log,
        lambda: write_audit(audit_run(run.root), run.questions),
    )
    _stage(
        "shards",
        run.shards / "manifest.json",
        force,
        log,
        lambda: build_shards(
            run.exhibits,
            run.shards,
            image_size=config.shard_image_size,
            generated_views=config.generated_views,
            progress=progress,
        ),
    )
    _stage(
        "benchmarks",
        run.benchmarks / "manifest.json",
        force,
        log,
        lambda: build_benchmarks(
            run.questions / "qa.parquet",
            run.shards / "index.parquet",
            run.benchmarks,
            seed=config.seed,
            exhibits=run.exhibits,
        ),
    )
    _stage(
        "train",
        run.model / "training_summary.json",
        force,
        log,
        lambda: train(
            config.train,
            run.benchmarks / "train.parquet",
            run.shards,
            run.model,
            val_table=_validation_table(run.benchmarks / "val.parquet"),
            progress=progress,
        ),
    )
    _stage(
        "evaluate",
        run.root / "scores.json",
        force,
        log,
        lambda: evaluate_run(
            run.root,
            [str(run.model), "baseline:majority", "baseline:retrieval"],
            batch_size=config.batch_size,
            bootstrap=config.bootstrap,
            progress=progress,
        ),
    )
    return write_report(run.root, settings=asdict(config))
