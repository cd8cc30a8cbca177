"""Where each stage writes inside a run folder (`museumvqa demo --out DIR` uses all of them)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RunLayout:
    root: Path

    @property
    def exhibits(self) -> Path:  # exhibits/part-00000.parquet
        return self.root / "exhibits"

    @property
    def rejects(self) -> Path:  # rejects/part-00000.parquet
        return self.root / "rejects"

    @property
    def questions(self) -> Path:  # questions/qa.parquet
        return self.root / "questions"

    @property
    def shards(self) -> Path:  # shards/shard-000000.tar ... + shards/index.parquet
        return self.root / "shards"

    @property
    def benchmarks(self) -> Path:  # benchmarks/split.parquet, general.parquet, category.parquet, manifest.json
        return self.root / "benchmarks"

    @property
    def model(self) -> Path:  # save_pretrained folder + processor
        return self.root / "model"

    @property
    def predictions(self) -> Path:  # predictions/<answerer>.jsonl
        return self.root / "predictions"

    @property
    def report(self) -> Path:
        return self.root / "report.md"
