"""Run shard-build units as Ray tasks through `ray.data`.

The driver plans units (a few bytes each); each Ray task runs `run_unit` exactly as the in-process
path does, writing its shard and ledger part into the output folder, which must therefore be on
storage every node sees. The driver then assembles the index from the ledger, so Ray and
in-process builds produce the same files.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from tqdm import tqdm

from museumvqa.errors import UserError
from museumvqa.images.units import BuildSettings, Unit, run_unit


class _RunUnit:
    """The per-row task: picklable, carries only the output folder and settings."""

    def __init__(self, out: str, settings: BuildSettings, retry_failed: bool) -> None:
        self.out, self.settings, self.retry_failed = out, settings, retry_failed

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        unit = Unit(**row)
        stored = run_unit(unit, Path(self.out), self.settings, self.retry_failed)
        return {"number": unit.number, "exhibits": unit.stop - unit.start, "stored": stored}


def run_units_on_ray(
    units: list[Unit], out: Path, settings: BuildSettings, retry_failed: bool, address: str | None, bar: tqdm
) -> None:
    """Start a local Ray instance (or join `address`), run every unit, and stop what was started here."""
    try:
        import ray
    except ImportError:
        raise UserError("--ray needs Ray: pip install 'ray[data]'") from None
    started = not ray.is_initialized()
    if started:
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    try:
        if units:
            dataset = ray.data.from_items([asdict(u) for u in units], override_num_blocks=len(units))
            task = _RunUnit(str(Path(out).resolve()), settings, retry_failed)
            for result in dataset.map(task).iter_rows():
                bar.update(result["exhibits"])
    finally:
        if started:
            ray.shutdown()
