"""Unreachable hosts fail fast: DNS and refused connections are not retried, a per-host breaker stops
asking a dead host, and a build that stores too few images exits non-zero with the counts."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from helpers.loopback import ImageServer, Reply
from typer.testing import CliRunner

from museumvqa.catalog.schema import ImageRef
from museumvqa.cli import app
from museumvqa.images.fetch import Fetcher, FetchError, FetchSettings


def closed_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_refused_and_unknown_host_are_not_retried() -> None:
    fetcher = Fetcher(FetchSettings(retries=3, backoff=5.0))
    started = time.monotonic()
    with pytest.raises(FetchError, match="connection refused") as refused:
        fetcher.get(f"http://127.0.0.1:{closed_port()}/a.jpg")
    with pytest.raises(FetchError, match=r"host not found \(DNS") as unknown:
        fetcher.get("http://nonexistent.invalid/a.jpg")
    assert not refused.value.transient and not unknown.value.transient
    assert time.monotonic() - started < 5  # one backoff of 5 s would have been a retry


def test_breaker_opens_after_consecutive_failures_and_closes_on_an_answer(image_server: ImageServer) -> None:
    fetcher = Fetcher(FetchSettings(breaker_threshold=3, breaker_cooldown=0.2))
    dead = f"http://127.0.0.1:{closed_port()}"
    for _ in range(3):
        with pytest.raises(FetchError, match="connection refused"):
            fetcher.get(f"{dead}/x.jpg")
    with pytest.raises(FetchError, match="host unreachable: 127.0.0.1:.* failed 3 times in a row"):
        fetcher.get(f"{dead}/y.jpg")
    image_server.routes["/ok.jpg"] = Reply(b"jpeg bytes")
    assert fetcher.get(image_server.url("/ok.jpg")).data == b"jpeg bytes"  # other hosts unaffected
    time.sleep(0.25)
    with pytest.raises(FetchError, match="connection refused"):  # after the cooldown one request tries again
        fetcher.get(f"{dead}/z.jpg")


def test_shards_with_every_host_unreachable_fails_fast(tmp_path: Path, exhibits_folder) -> None:
    port = closed_port()
    specs = [
        (f"t:{n}", [ImageRef(f"http://127.0.0.1:{port}/{n}.jpg" if n % 2 else f"http://nonexistent.invalid/{n}.jpg")])
        for n in range(1000)
    ]
    out = tmp_path / "shards"
    started = time.monotonic()
    result = CliRunner().invoke(app, ["shards", "--exhibits", str(exhibits_folder(specs)), "--out", str(out), "--quiet"])
    elapsed = time.monotonic() - started
    assert elapsed < 30, elapsed
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert message.startswith("error: shards: 0 of 1000 images fetched (0.0%, below --min-success-rate 0.5)")
    assert "host unreachable" in message and "rejects.parquet" in message and "\n" not in message
    assert not (out / "manifest.json").exists()
    assert pq.read_table(out / "rejects.parquet").num_rows == 1000


def test_min_success_rate(tmp_path: Path, met_data: Path, image_server: ImageServer, exhibits_folder) -> None:
    image_server.routes["/a.jpg"] = Reply((met_data / "36029.jpg").read_bytes())
    specs = [("t:ok", [ImageRef(image_server.url("/a.jpg"))])] + [
        (f"t:{n}", [ImageRef(image_server.url(f"/missing{n}.jpg"))]) for n in range(3)
    ]
    folder = exhibits_folder(specs)
    args = ["shards", "--exhibits", str(folder), "--out", str(tmp_path / "s"), "--image-size", "32", "--quiet"]
    low = CliRunner().invoke(app, args)
    assert low.exit_code == 2 and "1 of 4 images fetched (25.0%" in low.stderr and "http 404 3" in low.stderr
    assert not (tmp_path / "s" / "manifest.json").exists()
    accepted = CliRunner().invoke(app, [*args, "--min-success-rate", "0.25"])
    assert accepted.exit_code == 0 and "1 images in 1 shards" in accepted.stdout
    assert (tmp_path / "s" / "manifest.json").is_file()
