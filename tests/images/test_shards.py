from __future__ import annotations

import hashlib
import io
import json
import tarfile
from dataclasses import replace
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from PIL import Image

from museumvqa.catalog.schema import ImageRef
from museumvqa.errors import UserError
from museumvqa.images.keys import sample_key
from museumvqa.images.process import PROCESSING_VERSION
from museumvqa.images.shards import build_shards
from museumvqa.settings import ShardsConfig

MET = 20


def _tar_members(path: Path) -> list[tuple[str, bytes]]:
    with tarfile.open(path) as tar:
        return [(m.name, tar.extractfile(m).read()) for m in tar.getmembers()]


def test_met_sample_build(met_shards, met_specs) -> None:
    out, stats = met_shards
    assert (stats.exhibits, stats.images_ok, stats.rejected, stats.shards, stats.generated) == (MET, MET, 0, 3, 0)
    assert stats.images_considered == stats.images_ok + stats.rejected

    index = pq.read_table(out / "index.parquet").to_pylist()
    assert [r["key"] for r in index] == [sample_key(eid, 0) for eid, _ in met_specs]
    assert [r["exhibit_id"] for r in index] == [eid for eid, _ in met_specs]
    assert [r["uri"] for r in index] == [images[0].uri for _, images in met_specs]
    assert [r["shard"] for r in index] == ["shard-000000.tar"] * 8 + ["shard-000001.tar"] * 8 + ["shard-000002.tar"] * 4
    assert all(r["role"] == "primary" and r["view"] is None and not r["generated"] for r in index)
    assert all(len(r["phash"]) == 16 for r in index)
    assert sorted(p.name for p in out.iterdir()) == [
        "build.json", "index.parquet", "ledger", "manifest.json", "rejects.parquet", "shard-000000.tar", "shard-000001.tar",
        "shard-000002.tar",
    ]  # fmt: skip
    ledger = pq.read_table(out / "ledger").to_pylist()
    assert [r["key"] for r in ledger] == [r["key"] for r in index]
    assert all(r["status"] == "ok" and r["attempt"] == 1 and r["bytes"] > 0 for r in ledger)
    assert pq.read_table(out / "rejects.parquet").num_rows == 0

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["images_ok"] == MET and manifest["counts"]["rejected"] == 0
    assert manifest["settings"]["image_size"] == 384 and manifest["settings"]["roles"] == ["primary"]


def test_shard_members_match_the_index(met_shards) -> None:
    out, _ = met_shards
    index = {r["key"]: r for r in pq.read_table(out / "index.parquet").to_pylist()}
    seen = []
    for shard in sorted(out.glob("shard-*.tar")):
        members = _tar_members(shard)
        assert [name.split(".", 1)[1] for name, _ in members] == ["jpg", "json"] * (len(members) // 2)
        for (jpg_name, jpeg), (_, meta_bytes) in zip(members[::2], members[1::2]):
            key = jpg_name.split(".", 1)[0]
            row, meta = index[key], json.loads(meta_bytes)
            assert row["shard"] == shard.name
            assert hashlib.sha256(jpeg).hexdigest() == row["sha256"]
            assert meta == {
                k: row[k] for k in ("key", "exhibit_id", "role", "view", "uri", "width", "height", "generated")
            }
            with Image.open(io.BytesIO(jpeg)) as img:
                assert img.format == "JPEG" and img.mode == "RGB"
                assert img.size == (row["width"], row["height"])
                assert max(img.size) == 384  # every Met sample image is larger than 384
            seen.append(key)
    assert seen == list(index)


def test_builds_are_deterministic_and_a_repeat_resumes(tmp_path: Path, met_exhibits_dir: Path) -> None:
    first = build_shards(met_exhibits_dir, tmp_path / "a", ShardsConfig(image_size=96, per_shard=7), progress=False)
    second = build_shards(met_exhibits_dir, tmp_path / "b", ShardsConfig(image_size=96, per_shard=7), progress=False)
    again = build_shards(met_exhibits_dir, tmp_path / "a", ShardsConfig(image_size=96, per_shard=7), progress=False)
    assert first == second and (first.units_run, again.units_run) == (3, 0)  # the repeat finds every unit done
    assert replace(again, units_run=3) == first
    names = sorted(str(p.relative_to(tmp_path / "a")) for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert names == sorted(str(p.relative_to(tmp_path / "b")) for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert len(names) == 4 + 2 * first.shards
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_every_unusable_image_is_a_reject_with_its_reason(
    tmp_path: Path, met_data: Path, exhibits_folder, monkeypatch
) -> None:
    good = met_data / "36029.jpg"
    (tmp_path / "notes.jpg").write_text("not a photograph")
    (tmp_path / "cut.jpg").write_bytes(good.read_bytes()[:5000])
    Image.new("RGB", (1000, 1000)).save(tmp_path / "bomb.png")
    (tmp_path / "rel").mkdir()
    (tmp_path / "rel" / "good.jpg").write_bytes(good.read_bytes())
    monkeypatch.chdir(tmp_path)
    cases = [
        (str(tmp_path / "absent.jpg"), "missing file"),
        (str(tmp_path / "cut.jpg"), "truncated image"),
        (str(tmp_path / "notes.jpg"), "not an image"),
        (str(tmp_path / "bomb.png"), "too many pixels: 1000x1000 > 500000"),
        ("s3://bucket/img.jpg", "unsupported source: s3 URL"),
        ("file://elsewhere.example.org/img.jpg", "unsupported source: file URI on host elsewhere.example.org"),
        (good.as_uri(), None),
        (str(good), None),
        ("rel/good.jpg", None),  # relative to the working directory
    ]
    specs = [(f"t:{i}.{i}", [ImageRef(uri, "primary")]) for i, (uri, _) in enumerate(cases)]
    specs.append(("t:no-images", []))
    stats = build_shards(
        exhibits_folder(specs), tmp_path / "out", ShardsConfig(max_pixels=500_000, min_success_rate=0), progress=False
    )

    assert (stats.exhibits, stats.images_considered, stats.images_ok, stats.rejected) == (10, 9, 3, 6)
    assert stats.reject_reasons == {
        "missing file": 1, "not an image": 1, "unsupported source": 2, "too many pixels": 1, "truncated image": 1
    }  # fmt: skip
    rejects = pq.read_table(tmp_path / "out" / "rejects.parquet").to_pylist()
    assert [(r["uri"], r["reason"]) for r in rejects] == [(uri, reason) for uri, reason in cases if reason]
    assert [r["exhibit_id"] for r in rejects] == [f"t:{i}.{i}" for i, (_, reason) in enumerate(cases) if reason]
    index = pq.read_table(tmp_path / "out" / "index.parquet").to_pylist()
    assert [r["uri"] for r in index] == [uri for uri, reason in cases if reason is None]
    assert len({r["sha256"] for r in index}) == 1  # the same photograph, however it was named


def test_relative_paths_resolve_against_image_root(tmp_path: Path, met_data: Path, exhibits_folder) -> None:
    specs = [("met:1", [ImageRef("36029.jpg")]), ("met:2", [ImageRef("36131.jpg", "detail")])]
    stats = build_shards(exhibits_folder(specs), tmp_path / "out", ShardsConfig(image_root=met_data), progress=False)
    assert (stats.images_considered, stats.images_ok) == (1, 1)  # "detail" is not a selected role
    stats = build_shards(
        exhibits_folder(specs),
        tmp_path / "out",
        ShardsConfig(roles=("primary", "detail"), image_root=met_data),
        progress=False,
    )
    assert (stats.images_considered, stats.images_ok, stats.rejected) == (2, 2, 0)


def test_rebuild_with_fewer_shards_removes_stale_ones(tmp_path: Path, met_exhibits_dir: Path) -> None:
    out = tmp_path / "out"
    (out).mkdir()
    (out / "keep-me.tar").write_bytes(b"")
    assert build_shards(met_exhibits_dir, out, ShardsConfig(image_size=32, per_shard=3), progress=False).shards == 7
    assert build_shards(met_exhibits_dir, out, ShardsConfig(image_size=32, per_shard=10), progress=False).shards == 2
    assert sorted(p.name for p in out.glob("*.tar")) == ["keep-me.tar", "shard-000000.tar", "shard-000001.tar"]


def test_progress_bar_goes_to_stderr_only(tmp_path: Path, met_exhibits_dir: Path, capsys) -> None:
    build_shards(met_exhibits_dir, tmp_path / "out", ShardsConfig(image_size=32), progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "20/20" in captured.err


def test_no_usable_images_fails_with_an_empty_index_and_no_manifest(tmp_path: Path, exhibits_folder) -> None:
    folder = exhibits_folder([("t:1", [ImageRef("s3://bucket/a.jpg")])])
    with pytest.raises(UserError, match=r"0 of 1 images fetched \(0.0%.*unsupported source 1"):
        build_shards(folder, tmp_path / "out", ShardsConfig(min_success_rate=0), progress=False)
    assert pq.read_table(tmp_path / "out" / "index.parquet").num_rows == 0
    assert not list((tmp_path / "out").glob("shard-*.tar")) and not (tmp_path / "out" / "manifest.json").exists()
    with pytest.raises(UserError, match="no images with the chosen --roles"):
        build_shards(exhibits_folder([("t:2", [])]), tmp_path / "out2", progress=False)


def test_duplicate_exhibit_ids_are_refused(tmp_path: Path, met_data: Path, exhibits_folder) -> None:
    image = [ImageRef(str(met_data / "36029.jpg"))]
    folder = exhibits_folder([("met:14.76.6", image), ("met:1", image), ("met:14.76.6", image)])
    with pytest.raises(UserError, match=r"'met:14.76.6' occurs 2 times"):
        build_shards(folder, tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()


def test_bad_inputs_and_settings(tmp_path: Path, met_exhibits_dir: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="no Parquet files"):
        build_shards(tmp_path / "empty", tmp_path / "out", progress=False)
    other = tmp_path / "other"
    other.mkdir()
    pq.write_table(pq.read_table(met_exhibits_dir).select(["museum"]), other / "x.parquet")
    with pytest.raises(UserError, match="x.parquet: not an exhibits table"):
        build_shards(other, tmp_path / "out", progress=False)
    for bad in ({"per_shard": 0}, {"image_size": 0}, {"quality": 101}, {"roles": ("front",)}, {"roles": ()}):
        with pytest.raises(UserError):
            build_shards(met_exhibits_dir, tmp_path / "out", ShardsConfig(**bad), progress=False)


@pytest.mark.slow
def test_process_pool_builds_the_same_files(tmp_path: Path, met_exhibits_dir: Path) -> None:
    one = build_shards(met_exhibits_dir, tmp_path / "one", ShardsConfig(image_size=48, per_shard=4), progress=False)
    two = build_shards(
        met_exhibits_dir, tmp_path / "two", ShardsConfig(image_size=48, per_shard=4, workers=2), progress=False
    )
    assert one == two and one.shards == 5
    for path in sorted((tmp_path / "one").rglob("*.*")):
        assert path.read_bytes() == (tmp_path / "two" / path.relative_to(tmp_path / "one")).read_bytes(), path


def test_units_of_another_processing_version_are_rebuilt_not_resumed(tmp_path: Path, met_exhibits_dir: Path) -> None:
    out = tmp_path / "out"
    build_shards(met_exhibits_dir, out, ShardsConfig(image_size=32, per_shard=10), progress=False)
    settings = json.loads((out / "build.json").read_text())
    assert settings["processing"] == PROCESSING_VERSION
    (out / "build.json").write_text(json.dumps({**settings, "processing": PROCESSING_VERSION - 1}))
    stale = out / "shard-000000.tar"
    stale.write_bytes(b"made by the older version")
    build_shards(met_exhibits_dir, out, ShardsConfig(image_size=32, per_shard=10), progress=False)
    assert json.loads((out / "build.json").read_text())["processing"] == PROCESSING_VERSION
    assert stale.read_bytes() != b"made by the older version"
