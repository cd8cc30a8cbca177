"""The Ray path on a local instance writes the same shards, ledger and index as the in-process path."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.loopback import Reply

from museumvqa.catalog.schema import ImageRef
from museumvqa.images.reader import iter_samples
from museumvqa.images.shards import build_shards
from museumvqa.settings import ShardsConfig

ray = pytest.importorskip("ray")
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_ray_and_in_process_builds_are_identical(local_ray, tmp_path, met_specs, image_server, exhibits_folder) -> None:
    image_server.routes["/web.jpg"] = Reply(Path(met_specs[0][1][0].uri).read_bytes())
    specs = [*met_specs[:9], ("web:1", [ImageRef(image_server.url("/web.jpg"))]),
             ("web:2", [ImageRef(image_server.url("/gone.jpg"))])]  # fmt: skip
    folder = exhibits_folder(specs)
    settings = {"image_size": 48, "per_shard": 3, "generated_views": 2}
    local = build_shards(folder, tmp_path / "local", ShardsConfig(**settings), progress=False)
    on_ray = build_shards(folder, tmp_path / "ray", ShardsConfig(ray=True, **settings), progress=False)
    assert local == on_ray and (local.shards, local.images_ok, local.rejected) == (4, 30, 1)
    assert _files(tmp_path / "local") == _files(tmp_path / "ray")
    assert [s.key for s in iter_samples(tmp_path / "ray")] == [s.key for s in iter_samples(tmp_path / "local")]
    assert ray.is_initialized()  # a build joins a running instance and leaves it running


def test_one_and_two_ray_workers_write_the_same_files(local_ray, tmp_path, met_specs, exhibits_folder) -> None:
    folder = exhibits_folder(met_specs[:9])
    settings = {"image_size": 48, "per_shard": 2, "generated_views": 1, "ray": True}
    one = build_shards(folder, tmp_path / "one", ShardsConfig(workers=1, **settings), progress=False)
    two = build_shards(folder, tmp_path / "two", ShardsConfig(workers=2, **settings), progress=False)
    assert one == two and (one.shards, one.units_run) == (5, 5)
    assert _files(tmp_path / "one") == _files(tmp_path / "two")
