"""Answer the questions in parallel slices: `workers` processes, or Ray tasks, each answering rank r of
`workers` (`predict.answer_slice`) with its own answerer built from the same spec.

Each slice writes the partial file an accelerate rank would, so a killed run resumes slice by slice and
the driver merges exactly as after `accelerate launch`: the predictions file does not depend on how many
workers answered it (as long as an answer depends only on its row and image, not on the batch it came in).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from museumvqa.evaluation.answerers import Answerer
from museumvqa.evaluation.predict import Ranks, answer_slice
from museumvqa.pieces import run_pieces


@dataclass(frozen=True)
class Slices:
    """`workers` slices at once, as processes, or as Ray tasks with `ray` (a local instance) or `address`
    (a cluster: the run folder on storage every node sees). `build` makes a slice's answerer; it must pickle
    (e.g. `functools.partial(make_answerer, spec, ...)`)."""

    build: Callable[[], Answerer]
    workers: int
    ray: bool = False
    address: str | None = None

    def answer(
        self,
        task_tables: Sequence[str | Path],
        shards_dir: str | Path,
        out_path: Path,
        batch_size: int,
        seed: int,
        task_versions: dict[str, str],
    ) -> None:
        """Every slice's partial file beside `out_path`; returns when all are written."""
        paths = [str(Path(t).resolve()) for t in task_tables]  # a Ray worker's working folder is not ours
        task = partial(
            _answer_rank,
            self.build,
            self.workers,
            paths,
            str(Path(shards_dir).resolve()),
            str(out_path.resolve()),
            batch_size,
            seed,
            task_versions,
        )
        for _ in run_pieces(task, list(range(self.workers)), self.workers, self.ray, self.address):
            pass


def _answer_rank(
    build: Callable[[], Answerer],
    world: int,
    task_tables: list[str],
    shards_dir: str,
    out_path: str,
    batch_size: int,
    seed: int,
    task_versions: dict[str, str],
    rank: int,
) -> None:
    """One worker's job: its own answerer, its slice, its partial file."""
    ranks = Ranks(rank=rank, world=world)
    answer_slice(task_tables, shards_dir, build(), Path(out_path), batch_size, False, seed, task_versions, ranks)
