"""Where each stage writes inside a run folder (`museumvqa demo --out DIR` uses all of them).

The one place that names run files: commands, the pipeline, evaluation and serving ask here
instead of joining string literals, so a renamed file cannot leave a reader behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar


@dataclass(frozen=True)
class RunLayout:
    root: Path

    MANIFEST: ClassVar[str] = "manifest.json"  # each stage folder's completion marker, written last
    QA: ClassVar[str] = "qa.parquet"  # in a questions folder
    INDEX: ClassVar[str] = "index.parquet"  # in a shards folder
    REJECTS: ClassVar[str] = "rejects.parquet"  # in a shards folder

    @property
    def catalog_manifest(self) -> Path:  # written last by ingest
        return self.root / "catalog_manifest.json"

    @property
    def exhibits(self) -> Path:  # exhibits/part-00000.parquet
        return self.root / "exhibits"

    @property
    def rejects(self) -> Path:  # rejects/part-00000.parquet
        return self.root / "rejects"

    @property
    def questions(self) -> Path:  # questions/qa.parquet, manifest.json, audit.md, audit.json
        return self.root / "questions"

    @property
    def qa(self) -> Path:
        return self.questions / self.QA

    @property
    def audit(self) -> Path:
        return self.questions / "audit.json"

    @property
    def shards(self) -> Path:  # shards/shard-000000.tar ... + shards/index.parquet
        return self.root / "shards"

    @property
    def shard_index(self) -> Path:
        return self.shards / self.INDEX

    @property
    def benchmarks(self) -> Path:  # benchmarks/split.parquet, general.parquet, category.parquet, manifest.json
        return self.root / "benchmarks"

    @property
    def train_table(self) -> Path:
        return self.benchmarks / "train.parquet"

    @property
    def val_table(self) -> Path:
        return self.benchmarks / "val.parquet"

    @property
    def model(self) -> Path:  # save_pretrained folder + processor
        return self.root / "model"

    @property
    def training_summary(self) -> Path:  # written last by train
        return self.model / "training_summary.json"

    @property
    def predictions(self) -> Path:  # predictions/<answerer>.jsonl
        return self.root / "predictions"

    @property
    def scores(self) -> Path:
        return self.root / "scores.json"

    @property
    def forgetting(self) -> Path:  # written by `museumvqa forgetting --run`; beside it two predictions files
        return self.root / "forgetting.json"

    @property
    def open_set(self) -> Path:  # written by `museumvqa calibrate`: this catalogue's recognition threshold
        return self.root / "open_set.json"

    @property
    def report(self) -> Path:
        return self.root / "report.md"

    def manifest(self, stage_dir: Path) -> Path:
        """The completion marker of a stage folder (questions, shards, benchmarks)."""
        return stage_dir / self.MANIFEST
