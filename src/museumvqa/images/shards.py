"""Exhibits folder -> WebDataset tar shards of resized JPEGs, a Parquet index, rejects and a manifest.

The exhibits are cut into work units (`units.py`), one shard each; units run in this process, in a
pool of processes, or as Ray tasks (`museumvqa.ray_run`), and each writes its shard then its ledger part.
A killed build resumes by skipping the units whose ledger part exists (same settings, same input);
`retry_failed` reruns only the failed items of finished units. The index and rejects are then
assembled from the ledger parts in unit order, so every executor and every resume gives the same
files. `manifest.json`, written last, marks a complete build.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from functools import partial
from multiprocessing import get_context
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tqdm import tqdm

from museumvqa.errors import UserError
from museumvqa.images import ledger
from museumvqa.images.units import BuildSettings, Unit, forget_hosts, plan_units, run_unit
from museumvqa.inputs import output_folder, require_columns
from museumvqa.io import atomic_path, write_json
from museumvqa.settings import ShardsConfig

INDEX_NAME = "index.parquet"
REJECTS_NAME = "rejects.parquet"
MANIFEST_NAME = "manifest.json"
SETTINGS_NAME = "build.json"  # the output settings the finished units were built with
_NUMBERED = re.compile(r"(?:shard-(\d{6})\.tar|part-(\d{6})\.parquet)")
_TEMP = re.compile(r"\.(?:shard-\d{6}\.tar|part-\d{6}\.parquet|index\.parquet|rejects\.parquet)\..*\.tmp")

INDEX_SCHEMA = pa.schema(
    [
        ("key", pa.string()),
        ("shard", pa.string()),
        ("exhibit_id", pa.string()),
        ("role", pa.string()),
        ("view", pa.string()),
        ("uri", pa.string()),
        ("width", pa.int32()),
        ("height", pa.int32()),
        ("sha256", pa.string()),
        ("phash", pa.string()),
        ("generated", pa.bool_()),
        ("url", pa.string()),
    ]
)
REJECTS_SCHEMA = pa.schema(
    [("exhibit_id", pa.string()), ("uri", pa.string()), ("role", pa.string()), ("reason", pa.string())]
)


@dataclass
class ShardStats:
    """What a build did; `images_ok + rejected == images_considered` always."""

    exhibits: int = 0
    images_considered: int = 0
    images_ok: int = 0
    rejected: int = 0
    shards: int = 0
    generated: int = 0
    units_run: int = 0
    reject_reasons: dict[str, int] = field(default_factory=dict)


def build_shards(
    exhibits_dir: str | Path,
    out_dir: str | Path,
    config: ShardsConfig | None = None,
    progress: bool = True,
) -> ShardStats:
    """Write `shard-NNNNNN.tar`, `index.parquet`, `rejects.parquet`, `ledger/` and `manifest.json` into `out_dir`.

    Relative image paths are resolved against `config.image_root` (default: the working directory).
    `workers` > 1 runs units in that many processes; `ray` runs them as Ray tasks, `workers` at a time, on a
    local instance or on the cluster at `ray_address` (then `out_dir` must be on storage every node sees).
    `per_shard` counts source images; canvases of IIIF manifests and generated views come on top.
    A build that stores no image, or fewer than `min_success_rate` of its source images, writes its
    index and rejects but no manifest, and raises a UserError with the counts and the main reasons.
    """
    config = config or ShardsConfig()
    settings = BuildSettings(
        image_size=config.image_size,
        per_shard=config.per_shard,
        roles=tuple(config.roles),
        quality=config.quality,
        max_pixels=config.max_pixels,
        image_root=str(config.image_root) if config.image_root is not None else None,
        resize_mode=config.resize_mode,
        generated_views=config.generated_views,
        threads=config.threads,
        fetch=config.fetch,
    )
    settings.check()
    try:
        settings.fetch.check()
    except ValueError as e:
        raise UserError(str(e)) from None
    if config.workers < 1:
        raise UserError(f"workers must be at least 1, got {config.workers}")
    if not 0 <= config.min_success_rate <= 1:
        raise UserError(f"--min-success-rate must be between 0 and 1, got {config.min_success_rate}")
    out = output_folder(Path(out_dir))
    files = _exhibit_files(Path(exhibits_dir))
    total = _count_unique_exhibits(Path(exhibits_dir), files)
    forget_hosts()
    out.mkdir(parents=True, exist_ok=True)
    for name in (MANIFEST_NAME, INDEX_NAME, REJECTS_NAME):  # a failed rebuild must not look complete
        (out / name).unlink(missing_ok=True)
    _start_or_resume(out, settings)

    units = list(plan_units(files, settings.roles, settings.per_shard))
    todo = [u for u in units if _needs_run(out, u, config.retry_failed)]
    with tqdm(total=total, unit="exhibit", desc="shards", disable=not progress) as bar:
        bar.update(total - sum(u.stop - u.start for u in todo))
        if config.ray or config.ray_address:
            _run_on_ray(todo, out, settings, config.retry_failed, config.workers, config.ray_address, bar)
        else:
            _run_local(todo, out, settings, config.retry_failed, config.workers, bar)
    stats = _assemble(out, units, total)
    _check_success(stats, config.min_success_rate, out)
    write_json({"counts": asdict(stats), "settings": settings.output_settings()}, out / MANIFEST_NAME)
    stats.units_run = len(todo)  # not in the manifest: a resumed build must write the same files
    return stats


def _start_or_resume(out: Path, settings: BuildSettings) -> None:
    """Keep finished units only if they were built with the same output settings."""
    for leftover in [*out.glob(".*.tmp"), *(out / ledger.LEDGER_DIR).glob(".*.tmp")]:
        if _TEMP.fullmatch(leftover.name):  # a killed run's half-written file
            leftover.unlink()
    saved = out / SETTINGS_NAME
    wanted = settings.output_settings()
    if saved.is_file() and json.loads(saved.read_text()) == wanted:
        return
    shutil.rmtree(out / ledger.LEDGER_DIR, ignore_errors=True)
    _remove_numbered(out, keep=0)
    write_json(wanted, saved)


def _needs_run(out: Path, unit: Unit, retry_failed: bool) -> bool:
    if ledger.part_signature(out, unit.number) != unit.signature:
        return True
    return retry_failed and ledger.has_failures(out, unit.number)


def _run_local(units: list[Unit], out: Path, settings: BuildSettings, retry: bool, workers: int, bar: tqdm) -> None:
    if workers == 1:
        for unit in units:
            run_unit(unit, out, settings, retry)
            bar.update(unit.stop - unit.start)
        return
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        pending: dict = {}
        queue = iter(units)
        for unit in queue:
            pending[pool.submit(run_unit, unit, out, settings, retry)] = unit
            if len(pending) >= 2 * workers:
                _drain(pending, bar, wait_all=False)
        _drain(pending, bar, wait_all=True)


def _run_on_ray(
    units: list[Unit], out: Path, settings: BuildSettings, retry: bool, workers: int, address: str | None, bar: tqdm
) -> None:
    """Each unit as a Ray task, `workers` at a time; the task writes into `out` (resolved: a Ray worker's
    working folder is not this process's), which must be on storage every node sees."""
    if not units:  # a finished build resumed: no Ray to start
        return
    from museumvqa.ray_run import run_on_ray

    task = partial(run_unit, out=out.resolve(), settings=settings, retry_failed=retry)
    for unit, _ in zip(units, run_on_ray(task, units, workers, address)):
        bar.update(unit.stop - unit.start)


def _drain(pending: dict, bar: tqdm, wait_all: bool) -> None:
    while pending:
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            unit = pending.pop(future)
            future.result()
            bar.update(unit.stop - unit.start)
        if not wait_all:
            return


def _assemble(out: Path, units: list[Unit], exhibits: int) -> ShardStats:
    """Index and rejects streamed from the ledger parts in unit order; stale shards of older builds removed."""
    stats = ShardStats(exhibits=exhibits)
    reasons: Counter[str] = Counter()
    shards: set[str] = set()
    with ExitStack() as stack:
        index = _writer(stack, out / INDEX_NAME, INDEX_SCHEMA)
        rejects = _writer(stack, out / REJECTS_NAME, REJECTS_SCHEMA)
        for unit in units:
            part = pq.read_table(ledger.part_path(out, unit.number))
            is_ok = pc.equal(part["status"], ledger.OK)
            ok, failed = part.filter(is_ok), part.filter(pc.invert(is_ok))
            index.write_table(ok.select(INDEX_SCHEMA.names).cast(INDEX_SCHEMA))
            rejects.write_table(failed.select(REJECTS_SCHEMA.names).cast(REJECTS_SCHEMA))
            stats.images_ok += ok.num_rows
            stats.rejected += failed.num_rows
            stats.generated += pc.sum(ok["generated"]).as_py() or 0
            shards.update(pc.unique(ok["shard"]).to_pylist())
            reasons.update(reason.split(":")[0] for reason in failed["reason"].to_pylist())
    _remove_numbered(out, keep=len(units))
    stats.images_considered = stats.images_ok + stats.rejected
    stats.shards = len(shards)
    stats.reject_reasons = dict(sorted(reasons.items()))
    return stats


def _check_success(stats: ShardStats, min_rate: float, out: Path) -> None:
    """UserError when the build stored nothing, or too small a share of its source images."""
    sources_ok = stats.images_ok - stats.generated
    sources = sources_ok + stats.rejected
    if sources == 0:
        raise UserError(f"shards: the exhibits list no images with the chosen --roles; nothing to build in {out}")
    if sources_ok and sources_ok >= min_rate * sources:
        return
    reasons = sorted(stats.reject_reasons.items(), key=lambda kv: -kv[1])[:3]
    raise UserError(
        f"shards: {sources_ok} of {sources} images fetched ({100 * sources_ok / sources:.1f}%, "
        f"below --min-success-rate {min_rate:g}); main reasons: {', '.join(f'{r} {n}' for r, n in reasons)}; "
        f"see {out / REJECTS_NAME}, fix the sources (or --image-root) and rerun with --retry-failed"
    )


def _writer(stack: ExitStack, path: Path, schema: pa.Schema) -> pq.ParquetWriter:
    """A Parquet writer that lands on `path` only if the whole assembly succeeds."""
    tmp = stack.enter_context(atomic_path(path))
    return stack.enter_context(pq.ParquetWriter(tmp, schema))


def _remove_numbered(out: Path, keep: int) -> None:
    """Shards and ledger parts numbered `keep` or above: left over from a build with more units."""
    for path in [*out.glob("shard-*.tar"), *(out / ledger.LEDGER_DIR).glob("part-*.parquet")]:
        match = _NUMBERED.fullmatch(path.name)
        if match and int(match.group(1) or match.group(2)) >= keep:
            path.unlink()


def _exhibit_files(path: Path) -> list[Path]:
    if not path.exists():
        raise UserError(f"--exhibits {path}: no such folder; give the exhibits/ folder that `ingest` wrote")
    require_columns(path, ("exhibit_id", "images"), "an exhibits table (the exhibits/ folder that `ingest` wrote)")
    return sorted(path.glob("*.parquet")) if path.is_dir() else [path]


def _count_unique_exhibits(path: Path, files: list[Path]) -> int:
    """Number of exhibits; duplicate or missing ids would give clashing sample keys, so refuse them."""
    ids = pa.chunked_array(
        [chunk for f in files for chunk in pq.read_table(f, columns=["exhibit_id"]).column(0).chunks],
        type=pa.string(),
    )
    if ids.null_count:
        raise UserError(f"{path}: {ids.null_count} exhibits have no exhibit_id")
    counts = pc.value_counts(ids)
    repeated = counts.filter(pc.greater(counts.field("counts"), 1))
    if len(repeated):
        first = repeated[0]
        raise UserError(
            f"{path}: exhibit_id {first['values'].as_py()!r} occurs {first['counts'].as_py()} times; ids must be unique"
        )
    return len(ids)
