"""The leak check's fingerprints, computed one shard tar at a time: in this process, in a pool of
processes, or as Ray tasks.

An ORB fingerprint costs ~10 ms an image and each image's is independent of every other, so this is the
part of the benchmark build that parallel workers shorten. A piece is (shard path, keys wanted from it),
a few bytes to send; it comes back as its images' fingerprints (arrays, which pickle exactly). Pieces are
merged in build order, and fingerprints do not depend on where they were computed, so every executor
finds the same leaks.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from museumvqa.errors import UserError
from museumvqa.images.fingerprint import Fingerprint, fingerprint
from museumvqa.pieces import run_pieces

Piece = tuple[str, tuple[str, ...]]  # a shard tar's path and the keys wanted from it


def image_fingerprints(
    index_path: Path, keys: set[str], workers: int = 1, ray: bool = False, ray_address: str | None = None
) -> dict[str, Fingerprint]:
    """The fingerprint of each image in `keys`, from its pixels in the shards beside the index; one piece
    per shard, `workers` at once (processes, or Ray tasks with `ray` or `ray_address`)."""
    pieces = shard_pieces(index_path, keys)
    return _merged(run_pieces(fingerprint_shard, pieces, workers, ray, ray_address))


def shard_pieces(index_path: Path, keys: set[str]) -> list[Piece]:
    """Each shard holding some of `keys`, in build order, with those keys; refused when a shard the
    index lists is not beside it."""
    has_shard = "shard" in pq.read_schema(index_path).names
    index = pq.read_table(index_path, columns=["key", "shard"] if has_shard else ["key"])
    listed = pc.unique(index["shard"]).to_pylist() if has_shard else [None]
    missing = sorted(str(s) for s in listed if s is None or not (index_path.parent / s).is_file())
    if missing:
        raise UserError(
            f"benchmarks: the near-duplicate leak check reads the images from the shards beside {index_path}, "
            f"and shard {missing[0]} is not there; give the index.parquet inside its shards folder, or "
            "--leak-min-matches -1 to skip the check"
        )
    wanted = index.filter(pc.is_in(index["key"], value_set=pa.array(sorted(keys), pa.string())))
    by_shard: dict[str, list[str]] = {}  # first appearance in the index: build order
    for key, shard in zip(wanted["key"].to_pylist(), wanted["shard"].to_pylist()):
        by_shard.setdefault(shard, []).append(key)
    folder = index_path.parent.resolve()  # a Ray worker's working folder is not this process's
    return [(str(folder / shard), tuple(sorted(in_shard))) for shard, in_shard in by_shard.items()]


def fingerprint_shard(piece: Piece) -> dict[str, Fingerprint]:
    """One piece's work: the fingerprints of its keys, read from its shard."""
    from museumvqa.images.reader import read_shard

    path, keys = piece
    return {sample.key: fingerprint(sample.image) for sample in read_shard(Path(path), set(keys))}


def _merged(results: Iterable[dict[str, Fingerprint]]) -> dict[str, Fingerprint]:
    merged: dict[str, Fingerprint] = {}
    for result in results:
        merged.update(result)
    return merged
