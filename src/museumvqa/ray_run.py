"""Independent pieces of a stage run as Ray tasks: a local Ray started here, or a cluster joined at an address.

Every stage with a `--ray` option hands its pieces (input files, partitions, shard units, prediction ranks)
to `run_on_ray`, which yields each piece's result in input order, so the driver assembles exactly what
the in-process path would. A task's function and items must pickle; pieces that write files write to
storage every node sees.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import ModuleType
from typing import Any, TypeVar

from museumvqa.errors import UserError

Item = TypeVar("Item")
Result = TypeVar("Result")


@contextmanager
def ray_session(address: str | None = None, workers: int | None = None) -> Iterator[ModuleType]:
    """Ray, initialised: joins `address` (or a Ray already running in this process), or starts a local one
    with `workers` CPUs (all the machine's when None) and stops it on the way out."""
    try:
        import ray
    except ImportError:
        raise UserError("--ray needs Ray: pip install ray") from None
    started = not ray.is_initialized()
    if started:
        cpus = None if address is not None else workers
        try:
            ray.init(address=address, num_cpus=cpus, include_dashboard=False, log_to_driver=False)
        except ConnectionError as error:
            raise UserError(f"--ray-address {address}: no Ray cluster there ({error}); start one with `ray start`") from None
    try:
        yield ray
    finally:
        if started:
            ray.shutdown()


def run_on_ray(
    task: Callable[[Item], Result],
    items: Sequence[Item],
    workers: int | None = None,
    address: str | None = None,
) -> Iterator[Result]:
    """`task(item)` for every item as Ray tasks, at most `workers` at a time (every CPU Ray has when None),
    yielded in the order of `items` as soon as each and all before it are done."""
    with ray_session(address, workers) as ray:
        remote = ray.remote(num_cpus=1, max_retries=0)(_call)
        limit = max(1, workers or int(ray.cluster_resources().get("CPU", 1)))
        pending: list[Any] = []
        position = 0
        while position < len(items) or pending:
            while position < len(items) and len(pending) < limit:
                pending.append(remote.remote(task, items[position]))
                position += 1
            yield _result(ray, pending.pop(0))


def _result(ray: ModuleType, ref: Any) -> Any:
    """A task's result; a task's `UserError` comes back as itself (one line for the user), not as Ray's
    wrapped traceback."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as error:
        if isinstance(error.cause, UserError):
            raise error.cause from None
        raise


def _call(task: Callable[[Item], Result], item: Item) -> Result:
    return task(item)
