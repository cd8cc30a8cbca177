"""The visitor page in Debian's Chromium (driven by Playwright): upload a Met sample photo, ask,
see the answer and the record card. Needs `apt-get install -y chromium`; skipped without it."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from museumvqa.serving.answering import Responder, record_answer
from museumvqa.serving.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt-get install -y chromium)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(responder: Responder) -> Iterator[str]:
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(create_app(responder), host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(10)


def test_visitor_uploads_a_photo_and_sees_answer_and_card(server: str, responder: Responder, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    exhibits = responder.catalogue.exhibits
    exhibit = next(
        exhibits[i]
        for i in responder.catalogue.owners
        if record_answer(exhibits[i], "creator", "en", responder.glossary)
    )
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = browser.new_page()
            page.goto(server)
            page.wait_for_selector("#samples img")
            page.set_input_files("#image", exhibit.primary_image().uri)
            page.fill("#question", "Who made this painting?")
            page.select_option("#mode", "retrieval")
            page.click("button[type=submit]")
            page.wait_for_selector("#result:not([hidden])", timeout=30_000)
            answer = page.inner_text("#answer")
            title = page.inner_text("#card-title")
            page.wait_for_function("document.getElementById('card-image').complete")
            shot = tmp_path / "ask-the-museum.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert answer == record_answer(exhibit, "creator", "en", responder.glossary)
    assert title == exhibit.values("title")[0]
    assert shot.stat().st_size > 1000
    shutil.copyfile(shot, "/tmp/serve-screenshot.png")
