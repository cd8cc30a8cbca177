"""Every route and every error status of the API, on the real Met sample and a real tiny model."""

from __future__ import annotations

import html
import io
import struct
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from museumvqa.catalog.schema import Exhibit, Person
from museumvqa.images.recognition import ImageIndex
from museumvqa.serving.answering import Responder, record_answer
from museumvqa.serving.app import ServeSettings, create_app
from museumvqa.serving.catalogue import Catalogue


@pytest.fixture(scope="module")
def client(responder: Responder) -> TestClient:
    return TestClient(create_app(responder, ServeSettings(max_upload_bytes=300_000)))


def _photo(responder: Responder) -> tuple[str, bytes]:
    exhibit_id = responder.catalogue.owners[0]
    return exhibit_id, Path(responder.catalogue.exhibits[exhibit_id].primary_image().uri).read_bytes()


def _png_bomb(width: int, height: int) -> bytes:
    """A valid PNG header claiming `width` x `height` pixels, with almost no data behind it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


def _ask(client: TestClient, data: bytes, kind: str = "image/jpeg", **form: str):
    return client.post(
        "/api/ask", files={"image": ("photo.jpg", data, kind)}, data={"question": "Who made this painting?", **form}
    )


def test_health(client: TestClient, responder: Responder) -> None:
    body = client.get("/api/health").json()
    assert body["status"] == "ok"
    assert body["exhibits"] == len(responder.catalogue.exhibits) > 0
    assert body["default_mode"] == "grounded" and "de" in body["languages"]


def test_openapi_lists_the_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/ask", "/api/health", "/api/exhibits/{exhibit_id}", "/api/images/{key}"} <= set(paths)


def test_page_is_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "Ask the museum" in page.text and "/api/ask" in page.text


def test_ask_answers_with_the_matched_record(client: TestClient, responder: Responder) -> None:
    exhibits = responder.catalogue.exhibits
    # the first painting whose record names its maker ("Unidentified artist" names nobody)
    exhibit_id = next(e for e in responder.catalogue.owners if record_answer(exhibits[e], "creator", "en", responder.glossary))
    data = Path(exhibits[exhibit_id].primary_image().uri).read_bytes()
    body = _ask(client, data).json()
    assert body["exhibit"]["id"] == exhibit_id
    assert body["mode"] == "grounded" and body["category"] == "creator"
    expected = record_answer(exhibits[exhibit_id], "creator", "en", responder.glossary)
    assert (body["answered_by"], body["answer"]) == ("record", expected)
    assert client.get(body["exhibit"]["record_url"]).json()["id"] == exhibit_id
    image = client.get(body["exhibit"]["image_url"])
    assert image.headers["content-type"] == "image/jpeg" and Image.open(io.BytesIO(image.content)).width > 0


@pytest.mark.parametrize("mode", ["model", "retrieval", "grounded"])
def test_ask_each_mode(client: TestClient, responder: Responder, mode: str) -> None:
    _, data = _photo(responder)
    body = _ask(client, data, mode=mode, language="fr").json()
    assert body["mode"] == mode and body["language"] == "fr"
    if mode == "model":
        assert body["answered_by"] == "model" and body["fields"] == {}


def test_exhibit_record_and_404(client: TestClient, responder: Responder) -> None:
    exhibit_id = responder.catalogue.owners[0]
    record = client.get(f"/api/exhibits/{exhibit_id}").json()
    assert record["id"] == exhibit_id and record["attributes"]["title"]
    missing = client.get("/api/exhibits/met:no-such-thing")
    assert missing.status_code == 404 and "no-such-thing" in missing.json()["detail"]
    assert client.get("/api/images/../../etc/passwd").status_code == 404
    assert client.get("/api/images/nope").status_code == 404


def test_samples(client: TestClient) -> None:
    samples = client.get("/api/samples?limit=3").json()
    assert len(samples) == 3 and all(s["image_url"] for s in samples)


def test_413_when_the_upload_is_too_large(client: TestClient) -> None:
    response = _ask(client, b"\xff" * 400_000)
    assert response.status_code == 413


def test_413_when_the_image_alone_is_over_the_limit(client: TestClient) -> None:
    response = _ask(client, b"\xff" * 320_000)  # the body fits the form allowance, the file does not
    assert response.status_code == 413 and "image over" in response.json()["detail"]


def test_400_for_a_truncated_image(client: TestClient, responder: Responder) -> None:
    _, data = _photo(responder)
    response = _ask(client, data[: len(data) // 2])
    assert response.status_code == 400 and "image refused" in response.json()["detail"]


def test_413_while_streaming_a_body_without_length(client: TestClient) -> None:
    def chunks():
        for _ in range(40):
            yield b"a" * 10_000

    response = client.post("/api/ask", content=chunks(), headers={"content-type": "multipart/form-data; boundary=xyz"})
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert response.status_code == 413


def test_413_for_a_decompression_bomb(client: TestClient) -> None:
    response = _ask(client, _png_bomb(100_000, 100_000), kind="image/png")
    assert response.status_code == 413 and "pixels" in response.json()["detail"]


def test_415_for_a_non_image_type(client: TestClient) -> None:
    response = client.post(
        "/api/ask", files={"image": ("x.txt", b"hello", "text/plain")}, data={"question": "Who made this painting?"}
    )
    assert response.status_code == 415


def test_415_for_bytes_that_are_not_an_image(client: TestClient) -> None:
    response = _ask(client, b"not really a jpeg")
    assert response.status_code == 415 and "not an image" in response.json()["detail"]


def test_422_for_missing_fields_and_bad_options(client: TestClient, responder: Responder) -> None:
    _, data = _photo(responder)
    assert client.post("/api/ask", data={"question": "Who?"}).status_code == 422
    assert client.post("/api/ask", files={"image": ("p.jpg", data, "image/jpeg")}).status_code == 422
    assert _ask(client, data, language="xx").status_code == 422
    assert _ask(client, data, mode="oracle").status_code == 422
    blank = client.post("/api/ask", files={"image": ("p.jpg", data, "image/jpeg")}, data={"question": "   "})
    assert blank.status_code == 422


def test_503_with_retry_after_when_slots_and_queue_are_full(responder: Responder) -> None:
    app = create_app(responder, ServeSettings(max_concurrency=1, max_queue=0))
    _, data = _photo(responder)
    with TestClient(app) as client:
        assert client.portal.call(app.state.slots.acquire, 1.0)  # one answer in flight
        try:
            busy = _ask(client, data)
        finally:
            client.portal.call(app.state.slots.release)
        assert busy.status_code == 503 and int(busy.headers["Retry-After"]) >= 1
        assert "retry in" in busy.json()["detail"]
        assert _ask(client, data).status_code == 200
        assert client.get("/api/health").json()["in_flight"] == 0


def test_a_request_waits_in_the_queue_for_a_free_slot(responder: Responder) -> None:
    app = create_app(responder, ServeSettings(max_concurrency=1, max_queue=1))
    _, data = _photo(responder)
    with TestClient(app) as client, ThreadPoolExecutor(1) as pool:
        assert client.portal.call(app.state.slots.acquire, 1.0)
        queued = pool.submit(_ask, client, data)
        deadline = time.monotonic() + 10
        while client.get("/api/health").json()["waiting"] != 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert client.get("/api/health").json()["waiting"] == 1
        full = _ask(client, data)  # the one queue place is taken
        assert full.status_code == 503 and "Retry-After" in full.headers
        client.portal.call(app.state.slots.release)
        assert queued.result(timeout=30).status_code == 200


def test_a_queued_request_gives_up_at_the_deadline(responder: Responder) -> None:
    app = create_app(responder, ServeSettings(max_concurrency=1, max_queue=4, timeout_s=0.3))
    _, data = _photo(responder)
    with TestClient(app) as client:
        assert client.portal.call(app.state.slots.acquire, 1.0)
        try:
            late = _ask(client, data)
        finally:
            client.portal.call(app.state.slots.release)
    assert late.status_code == 503 and int(late.headers["Retry-After"]) >= 1


def test_504_when_the_answer_takes_too_long(responder: Responder) -> None:
    app = create_app(responder, ServeSettings(timeout_s=0.0001))
    _, data = _photo(responder)
    with TestClient(app) as client:
        response = _ask(client, data)
    assert response.status_code == 504 and "no answer within" in response.json()["detail"]


def test_ask_in_swedish_names_everything_in_swedish(client: TestClient, responder: Responder) -> None:
    _, data = _photo(responder)
    body = client.post(
        "/api/ask", files={"image": ("p.jpg", data, "image/jpeg")}, data={"question": "Vem har målat tavlan?"}
    ).json()
    assert (body["language"], body["category"], body["understanding"]["language_source"]) == ("sv", "creator", "detected")
    assert body["understanding"]["method"] == "semantic"
    labels = body["exhibit"]["labels"]
    assert set(labels) == set(body["exhibit"]["card"]) and labels["title"] == "Titel"
    assert all("_" not in label for label in [*labels.values(), *body["field_labels"].values()])
    assert body["exhibit"]["page_url"].startswith("/record/") and body["exhibit"]["page_url"].endswith("?lang=sv")
    assert body["why"] and "the" not in body["why"].split()  # Swedish, not English


def test_labels_for_the_page(client: TestClient) -> None:
    words = client.get("/api/labels").json()
    assert set(words) == {"en", "fr", "de", "es", "it", "nl", "sv"}
    assert words["sv"]["ui"]["heading"] == "Fråga museet" and words["fr"]["fields"]["object_type"] == "Type d'objet"


def test_record_page_is_readable_html_in_the_visitors_language(client: TestClient, responder: Responder) -> None:
    exhibit_id = responder.catalogue.owners[0]
    exhibit = responder.catalogue.exhibits[exhibit_id]
    page = client.get(f"/record/{exhibit_id}?lang=sv")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="sv">' in page.text and "<dt>Titel</dt>" in page.text and "Katalogpost" in page.text
    assert html.escape(exhibit.values("title")[0], quote=True) in page.text
    assert "object_type" not in page.text and "credit_line" not in page.text
    assert f'href="/api/exhibits/{quote(exhibit_id, safe="")}"' in page.text  # the data stays one click away
    assert client.get("/record/met:no-such-thing").status_code == 404
    assert "<html lang=\"en\">" in client.get(f"/record/{exhibit_id}?lang=xx").text


def test_record_page_escapes_everything(responder: Responder) -> None:
    evil = "<script>alert(1)</script>"
    exhibit = Exhibit("x:<b>1</b>", f"Museum {evil}", "test", "-", url="javascript:alert(1)")
    exhibit.add("title", f'Title "{evil}"')
    exhibit.add("medium", evil, lang="sv", role=evil)
    exhibit.people.append(Person(f"Artist {evil}", role=evil, birth_place=evil))
    catalogue = Catalogue({exhibit.exhibit_id: exhibit}, ["k<1>"], [exhibit.exhibit_id], {"k<1>": b""}, ImageIndex())
    client = TestClient(create_app(Responder(responder.model, catalogue, responder.glossary)))
    page = client.get(f"/record/{quote(exhibit.exhibit_id, safe='')}").text
    assert "<script>" not in page and "<b>" not in page and "javascript:" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and '<span lang="sv">' in page
    assert 'src="/api/images/k%3C1%3E"' in page
