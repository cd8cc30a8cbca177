"""A stage's independent pieces run here, in a pool of processes, or as Ray tasks; results come back in input order.

Ingest (one piece per input) and questions (one per exhibit part) hand their pieces to `run_pieces`; the
driver folds the results in input order, so the output is the one the in-process path writes. Pieces run
`workers` at a time at most, whichever way they run, so the results waiting for the driver stay bounded.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from typing import TypeVar

from museumvqa.errors import UserError

Item = TypeVar("Item")
Result = TypeVar("Result")


def run_pieces(
    task: Callable[[Item], Result],
    items: Sequence[Item],
    workers: int = 1,
    ray: bool = False,
    address: str | None = None,
) -> Iterator[Result]:
    """`task(item)` for every item, in order: Ray tasks with `ray` or `address` (`run_on_ray`), else `workers`
    spawned processes (here, one after the other, when 1). A piece's UserError is raised as itself."""
    if workers < 1:
        raise UserError(f"--workers {workers}: give 1 or more")
    if not items:
        return
    if ray or address:
        from museumvqa.ray_run import run_on_ray

        yield from run_on_ray(task, items, workers, address)
    elif workers == 1 or len(items) < 2:
        yield from map(task, items)
    else:
        yield from _in_processes(task, items, min(workers, len(items)))


def _in_processes(task: Callable[[Item], Result], items: Sequence[Item], workers: int) -> Iterator[Result]:
    pool = ProcessPoolExecutor(workers, mp_context=get_context("spawn"))  # fork would copy pyarrow's threads
    pending: deque[Future[Result]] = deque()
    try:
        for item in items:  # one queued beyond the pool's `workers`: they stay busy while the driver folds a result
            pending.append(pool.submit(task, item))
            if len(pending) > workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(cancel_futures=True)
