"""Local image paths stay inside --image-root: `..` and absolute paths outside it are rejected unread."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from museumvqa.catalog.schema import ImageRef
from museumvqa.cli import app
from museumvqa.images.process import ImageError
from museumvqa.images.sources import local_path


def test_paths_inside_the_root_resolve(tmp_path: Path) -> None:
    assert local_path("a/b.jpg", tmp_path) == (tmp_path / "a" / "b.jpg").resolve()
    assert local_path("a/../b.jpg", tmp_path) == (tmp_path / "b.jpg").resolve()
    assert local_path((tmp_path / "c.jpg").as_uri(), tmp_path) == (tmp_path / "c.jpg").resolve()


@pytest.mark.parametrize("uri", ["../../../../etc/passwd", "/etc/passwd", "file:///etc/passwd", "x/../../secret.jpg"])
def test_paths_outside_the_root_are_refused(tmp_path: Path, uri: str) -> None:
    with pytest.raises(ImageError, match="outside the image root"):
        local_path(uri, tmp_path / "images")


def test_a_symlink_out_of_the_root_is_refused(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "link.jpg").symlink_to(tmp_path / "secret.jpg")
    with pytest.raises(ImageError, match="outside the image root"):
        local_path("link.jpg", tmp_path / "images")


def test_shards_rejects_an_escaping_path_with_its_reason(tmp_path: Path, met_data: Path, exhibits_folder) -> None:
    root = tmp_path / "images"
    root.mkdir()
    (root / "ok.jpg").write_bytes((met_data / "36029.jpg").read_bytes())
    (tmp_path / "outside.jpg").write_bytes((met_data / "36029.jpg").read_bytes())  # a real image, never read
    folder = exhibits_folder([("t:1", [ImageRef("ok.jpg")]), ("t:2", [ImageRef("../outside.jpg")])])
    out = tmp_path / "shards"
    result = CliRunner().invoke(
        app, ["shards", "--exhibits", str(folder), "--out", str(out), "--image-root", str(root), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    rejects = pq.read_table(out / "rejects.parquet").to_pylist()
    assert [(r["exhibit_id"], r["reason"].split(":")[0]) for r in rejects] == [("t:2", "outside the image root")]
