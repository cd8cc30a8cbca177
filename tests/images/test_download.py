"""Downloads against a loopback HTTP server: every failure ends in the ledger with its reason."""

from __future__ import annotations

import io
import os
import signal
import struct
import subprocess
import sys
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from helpers.loopback import Reply
from PIL import Image

from museumvqa.catalog.schema import ImageRef
from museumvqa.images.fetch import USER_AGENT, Fetcher, FetchError, FetchSettings
from museumvqa.images.keys import sample_key
from museumvqa.images.shards import build_shards
from museumvqa.settings import ShardsConfig

QUICK = FetchSettings(timeout=0.5, retries=1, backoff=0.01)


def _encode(img: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


def _png_bomb(side: int) -> bytes:
    """A valid 1-bit PNG of side x side pixels: ~100 kB on the wire, side^2 pixels when decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    packer = zlib.compressobj(9)
    row = b"\x00" * (1 + (side + 7) // 8)
    body = b"".join(packer.compress(row * 1000) for _ in range(side // 1000)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def _ledger(out: Path) -> list[dict]:
    return pq.read_table(out / "ledger").to_pylist()


def test_every_http_failure_ends_ok_or_with_its_reason(tmp_path, met_data, image_server, exhibits_folder) -> None:
    painting = (met_data / "36029.jpg").read_bytes()
    deep = Image.fromarray(np.arange(64 * 64, dtype=np.uint16).reshape(64, 64) * 16)
    image_server.routes.update(
        {
            "/ok.jpg": Reply(painting),
            "/gone.jpg": Reply(b"not found", 404, "text/plain"),
            "/flaky.jpg": [Reply(b"oops", 500, "text/plain"), Reply(painting)],
            "/slow.jpg": Reply(painting, delay=2.0),
            "/cut.jpg": Reply(painting[: len(painting) // 3]),
            "/text.jpg": Reply(b"Dear visitor, this is a caption, not a photograph.\n"),
            "/empty.jpg": Reply(b""),
            "/bomb.png": Reply(_png_bomb(30_000), content_type="image/png"),
            "/cmyk.jpg": Reply(_encode(Image.new("CMYK", (40, 30), (0, 255, 255, 0)), "JPEG")),
            "/deep.png": Reply(_encode(deep, "PNG"), content_type="image/png"),
        }
    )
    expected = {
        "/ok.jpg": None,
        "/gone.jpg": "http 404",
        "/flaky.jpg": None,
        "/slow.jpg": "timeout",
        "/cut.jpg": "truncated image",
        "/text.jpg": "not an image",
        "/empty.jpg": "empty response",
        "/bomb.png": "too many pixels: over PIL's decompression-bomb limit",
        "/cmyk.jpg": None,
        "/deep.png": None,
    }
    specs = [(f"web:{n}.{n}", [ImageRef(image_server.url(path))]) for n, path in enumerate(expected)]
    stats = build_shards(
        exhibits_folder(specs),
        tmp_path / "out",
        ShardsConfig(image_size=64, fetch=QUICK, min_success_rate=0),
        progress=False,
    )

    assert (stats.images_considered, stats.images_ok, stats.rejected) == (10, 4, 6)
    rows = {row["uri"]: row for row in _ledger(tmp_path / "out")}
    for path, reason in expected.items():
        row = rows[image_server.url(path)]
        assert (row["status"], row["reason"]) == ("ok" if reason is None else "failed", reason), path
    assert image_server.hits["/flaky.jpg"] == 2  # 500 is retried
    assert image_server.hits["/gone.jpg"] == 1  # 404 is not
    assert image_server.hits["/slow.jpg"] == 2  # one try and one retry, each cut off
    assert image_server.agents == {USER_AGENT}
    index = pq.read_table(tmp_path / "out" / "index.parquet").to_pylist()
    assert [r["uri"] for r in index] == [image_server.url(p) for p, reason in expected.items() if reason is None]
    cmyk = next(r for r in index if r["uri"].endswith("cmyk.jpg"))
    assert (cmyk["width"], cmyk["height"]) == (40, 30)
    assert rows[image_server.url("/ok.jpg")]["bytes"] == len(painting)


def test_retry_after_and_backoff(image_server) -> None:
    image_server.routes["/busy"] = [Reply(b"", 503, headers={"Retry-After": "1"}), Reply(b"fine")]
    image_server.routes["/down"] = Reply(b"", 502)
    fetcher = Fetcher(FetchSettings(retries=2, backoff=0.05))
    began = time.monotonic()
    reply = fetcher.get(image_server.url("/busy"))
    assert (reply.data, reply.tries) == (b"fine", 2) and time.monotonic() - began >= 0.95
    with pytest.raises(FetchError) as info:
        fetcher.get(image_server.url("/down"))
    assert (info.value.reason, info.value.transient, image_server.hits["/down"]) == ("http 502", True, 3)


def test_concurrency_per_host_is_bounded(image_server) -> None:
    image_server.routes["/a"] = Reply(b"x", delay=0.15)
    fetcher = Fetcher(FetchSettings(per_host=2))
    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(lambda _: fetcher.get(image_server.url("/a")).data, range(8))) == [b"x"] * 8
    assert image_server.peak == 2


def test_retry_failed_retries_only_failures(tmp_path, met_data, image_server, exhibits_folder) -> None:
    painting = (met_data / "36029.jpg").read_bytes()
    image_server.routes.update({"/a.jpg": Reply(painting), "/b.jpg": Reply(b"", 503), "/c.jpg": Reply(painting)})
    folder = exhibits_folder([(f"web:{p}", [ImageRef(image_server.url(f"/{p}.jpg"))]) for p in "abc"])
    out = tmp_path / "out"
    first = build_shards(folder, out, ShardsConfig(image_size=64, per_shard=2, fetch=QUICK), progress=False)
    assert (first.images_ok, first.rejected, first.reject_reasons) == (2, 1, {"http 503": 1})

    image_server.routes["/b.jpg"] = Reply(painting)  # the server recovers
    assert (
        build_shards(folder, out, ShardsConfig(image_size=64, per_shard=2, fetch=QUICK), progress=False).units_run == 0
    )
    again = build_shards(
        folder, out, ShardsConfig(image_size=64, per_shard=2, fetch=QUICK, retry_failed=True), progress=False
    )
    assert (again.images_ok, again.rejected, again.units_run) == (3, 0, 1)
    assert image_server.hits == {"/a.jpg": 1, "/b.jpg": 3, "/c.jpg": 1}  # a and c were never fetched again
    attempts = {row["uri"].rsplit("/", 1)[1]: row["attempt"] for row in _ledger(out)}
    assert attempts == {"a.jpg": 1, "b.jpg": 2, "c.jpg": 1}
    index = pq.read_table(out / "index.parquet").to_pylist()
    assert [r["key"] for r in index] == [sample_key(f"web:{p}", 0) for p in "abc"]


_BUILD = """
import sys
from museumvqa.images.fetch import FetchSettings
from museumvqa.images.shards import build_shards
from museumvqa.settings import ShardsConfig
build_shards(sys.argv[1], sys.argv[2], ShardsConfig(image_size=64, per_shard=2, threads=1), progress=False)
"""


def test_kill_9_then_resume_gives_the_same_output(tmp_path, met_data, image_server, exhibits_folder) -> None:
    paintings = sorted(met_data.glob("*.jpg"))[:14]
    for n, path in enumerate(paintings):
        image_server.routes[f"/{n}.jpg"] = Reply(path.read_bytes(), delay=0.1)
    image_server.routes["/5.jpg"] = Reply(b"", 404)
    folder = exhibits_folder([(f"web:{n}", [ImageRef(image_server.url(f"/{n}.jpg"))]) for n in range(14)])

    killed = tmp_path / "killed"
    child = subprocess.Popen([sys.executable, "-c", _BUILD, str(folder), str(killed)])
    try:
        deadline = time.monotonic() + 60
        while len(list((killed / "ledger").glob("part-*.parquet"))) < 2:
            assert child.poll() is None and time.monotonic() < deadline, "the build ended before it was killed"
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait()
    assert child.returncode == -signal.SIGKILL
    assert not (killed / "manifest.json").exists()
    done_before = len(list((killed / "ledger").glob("part-*.parquet")))

    resumed = build_shards(folder, killed, ShardsConfig(image_size=64, per_shard=2), progress=False)
    whole = build_shards(folder, tmp_path / "whole", ShardsConfig(image_size=64, per_shard=2), progress=False)
    assert resumed.units_run == 7 - done_before and whole.units_run == 7
    assert (resumed.images_ok, resumed.rejected) == (whole.images_ok, whole.rejected) == (13, 1)
    files = sorted(str(p.relative_to(killed)) for p in killed.rglob("*") if p.is_file())
    assert files == sorted(
        str(p.relative_to(tmp_path / "whole")) for p in (tmp_path / "whole").rglob("*") if p.is_file()
    )
    for name in files:
        assert (killed / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name
