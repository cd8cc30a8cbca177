"""The visitor page in Debian's Chromium (driven by Playwright): upload a Met sample photo, ask, see the
answer and the record card; the layout at a phone's 390 px and a desktop's 1280 px (every form label
beside or above its own control, nothing wider than the window), a question in Swedish answered with a
Swedish page, and the record's own page; a photo of nothing in the collection says so, with no card.
The server is conftest's `server` fixture. Screenshots go to the test's tmp_path (`--basetemp DIR` keeps
them). Needs `apt-get install -y chromium` (`make browser`); skipped without it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from museumvqa.serving.answering import Responder, record_answer
from museumvqa.serving.labels import page_words
from museumvqa.serving.record_answers import unknown_makers

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


# Each form label and the control it names; the sample strip is labelled by a span.
PAIRS = [("label[for=image]", "#image"), ("#sample-label", "#samples"), ("label[for=question]", "#question"),
         ("label[for=language]", "#language"), ("label[for=mode]", "#mode")]  # fmt: skip
BOXES = """(pairs) => pairs.map(([l, c]) => [l, c].map((s) => {
  const r = document.querySelector(s).getBoundingClientRect();
  return {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
}))"""
OVERFLOW = "[document.scrollingElement.scrollWidth, window.innerWidth]"


def _check_layout(page, width: int) -> None:
    """Labels in one column beside their controls (wide) or each just above its control (narrow), in
    order, none shifted into another row; nothing wider than the window."""
    boxes = page.evaluate(BOXES, PAIRS)
    scroll_width, inner_width = page.evaluate(OVERFLOW)
    assert scroll_width <= inner_width, f"{scroll_width}px of content in a {inner_width}px window"
    for (label, control), (_, name) in zip(boxes, PAIRS):
        if width >= 600:
            assert label["right"] <= control["left"] + 1, name  # beside it, on the left
            assert label["top"] < control["bottom"] and label["bottom"] > control["top"], name  # on its row
        else:
            assert label["bottom"] <= control["top"] + 1 and control["top"] - label["bottom"] < 24, name  # just above
            assert abs(label["left"] - control["left"]) <= 2, name
    lefts = {round(label["left"]) for label, _ in boxes}
    assert max(lefts) - min(lefts) <= 1, f"labels not in one column: {lefts}"
    tops = [label["top"] for label, _ in boxes]
    assert tops == sorted(tops), "labels out of order"
    if width >= 600:
        controls = {round(control["left"]) for _, control in boxes}
        assert max(controls) - min(controls) <= 1, f"controls not in one column: {controls}"


@pytest.mark.parametrize("width", [390, 1280])
def test_layout_at_phone_and_desktop_widths_in_swedish(server: str, responder: Responder, tmp_path: Path, width: int) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    exhibits = responder.catalogue.exhibits
    unknown = next(i for i in responder.catalogue.owners if unknown_makers(exhibits[i]))
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(server)
            page.wait_for_selector("#samples img")
            assert page.is_hidden("#preview-row")
            _check_layout(page, width)  # first load: the hidden preview takes no grid cell
            page.screenshot(path=str(tmp_path / f"page-{width}.png"), full_page=True)
            page.set_input_files("#image", exhibits[unknown].primary_image().uri)
            page.wait_for_selector("#preview-row:not([hidden])")
            _check_layout(page, width)  # with the preview shown
            page.fill("#question", "Vem har målat tavlan?")
            page.click("button[type=submit]")
            page.wait_for_selector("#result:not([hidden])", timeout=30_000)
            page.wait_for_function("document.getElementById('card-image').complete")
            answer = page.inner_text("#answer")
            why = page.inner_text("#why")
            terms = page.eval_on_selector_all("#card-fields dt", "els => els.map(e => e.textContent)")
            heading, ask_button = page.inner_text("h1"), page.inner_text("button[type=submit]")
            lang = page.evaluate("document.documentElement.lang")
            _check_layout(page, width)
            page.screenshot(path=str(tmp_path / f"answer-sv-{width}.png"), full_page=True)
            with page.expect_popup() as popup:
                page.click("#card-link")
            record = popup.value
            record.set_viewport_size({"width": width, "height": 900})
            record.wait_for_load_state()
            record_title = record.inner_text("h1")
            record_terms = record.eval_on_selector_all("dl.record dt", "els => els.map(e => e.textContent)")
            record_overflow = record.evaluate(OVERFLOW)
            record.screenshot(path=str(tmp_path / f"record-sv-{width}.png"), full_page=True)
        finally:
            browser.close()
    assert answer == "Okänd konstnär" and exhibits[unknown].values("creator")[0] in why
    assert (lang, heading, ask_button) == ("sv", "Fråga museet", "Fråga")
    assert "Titel" in terms and all("_" not in term for term in terms)
    assert record_title == exhibits[unknown].values("title")[0] and "Upphovsperson" in record_terms
    assert all("_" not in term for term in record_terms)
    assert record_overflow[0] <= record_overflow[1]
    shots = sorted(tmp_path.glob("*.png"))
    assert len(shots) == 3 and all(shot.stat().st_size > 1000 for shot in shots)


def test_a_photo_of_nothing_in_the_collection_says_so(server: str, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    photo = tmp_path / "noise.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (300, 400, 3), dtype=np.uint8)).save(photo)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{server}/?lang=de")
            page.wait_for_selector("#samples img")
            page.set_input_files("#image", str(photo))
            page.select_option("#mode", "retrieval")
            page.click("button[type=submit]")
            page.wait_for_selector("#result:not([hidden])", timeout=30_000)
            matched, answer, card_hidden = page.inner_text("#matched"), page.inner_text("#answer"), page.is_hidden("#card")
        finally:
            browser.close()
    words = page_words("de")["ui"]
    assert (matched, answer, card_hidden) == (words["not_in_collection"], words["no_answer"], True)
