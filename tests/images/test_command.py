"""The `shards` command: options reach the build, a bad value is one line, a rerun resumes."""

from __future__ import annotations

import pyarrow.parquet as pq
import typer
from helpers.loopback import Reply
from typer.testing import CliRunner

from museumvqa.catalog.schema import ImageRef
from museumvqa.commands.images import register


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)  # two commands, so `shards` is a subcommand as in the real CLI
    return app


def test_shards_command_downloads_resumes_and_retries(tmp_path, met_data, image_server, exhibits_folder) -> None:
    image_server.routes["/a.jpg"] = Reply((met_data / "36029.jpg").read_bytes())
    image_server.routes["/b.jpg"] = Reply(b"", 503)
    folder = exhibits_folder([("web:a", [ImageRef(image_server.url("/a.jpg"))]),
                              ("web:b", [ImageRef(image_server.url("/b.jpg"))])])  # fmt: skip
    args = ["shards", "--exhibits", str(folder), "--out", str(tmp_path / "out"), "--image-size", "64",
            "--retries", "0", "--generated-views", "2", "--resize-mode", "pad", "--quiet"]  # fmt: skip
    result = CliRunner().invoke(_app(), args)
    assert result.exit_code == 0, result.output
    assert result.output.strip().startswith("3 images in 1 shards (2 generated), 1 rejected")
    index = pq.read_table(tmp_path / "out" / "index.parquet").to_pylist()
    assert {(r["width"], r["height"]) for r in index} == {(64, 64)}

    image_server.routes["/b.jpg"] = Reply((met_data / "36029.jpg").read_bytes())
    again = CliRunner().invoke(_app(), [*args, "--retry-failed"])
    assert again.exit_code == 0 and "6 images in 1 shards (4 generated), 0 rejected" in again.output
    assert "1 units built this run" in again.output


def test_bad_option_is_one_line(tmp_path, exhibits_folder) -> None:
    folder = exhibits_folder([("t:1", [])])
    result = CliRunner().invoke(
        _app(), ["shards", "--exhibits", str(folder), "--out", str(tmp_path), "--resize-mode", "x"]
    )
    assert result.exit_code != 0
    assert "resize mode must be one of keep, crop, pad" in str(result.exception)
