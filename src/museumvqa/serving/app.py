"""The HTTP face of the museum: `/api/ask`, `/api/exhibits/{id}`, `/api/health`, `/api/labels`, record
images, the visitor page at `/` and each record as a readable page at `/record/{id}?lang=..`. OpenAPI at
`/openapi.json`, interactive docs at `/docs`.

Safety: request bodies are capped before parsing (413), only image uploads are decoded (415), the
decoder refuses decompression bombs (413), each answer has a deadline (504), and at most
`max_concurrency` answers are computed at once; up to `max_queue` more wait for a slot (within the
deadline), and beyond that a request is refused at once with 503 and a `Retry-After` (seconds, from
the recent answer times). No request names a file: exhibits and images are looked up by id in memory.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from importlib import resources
from typing import Annotated, Any

from fastapi import FastAPI, File, Form, HTTPException, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from museumvqa.images.process import DEFAULT_MAX_PIXELS, ImageError, load_image
from museumvqa.questions.templates import available_languages
from museumvqa.serving.answering import DEFAULT_MODE, MODES, Mode, Reply, Responder
from museumvqa.serving.labels import DEFAULT_LANGUAGE, field_labels, page_words
from museumvqa.serving.record_page import record_page
from museumvqa.serving.records import exhibit_json

IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif", "image/bmp", "image/tiff")
FORM_OVERHEAD = 64 * 1024  # room for the question, language, mode and multipart boundaries


@dataclass(frozen=True)
class ServeSettings:
    max_upload_bytes: int = 10 * 1024 * 1024
    max_pixels: int = DEFAULT_MAX_PIXELS
    timeout_s: float = 30.0
    max_concurrency: int = 4
    max_queue: int = 8


class BodyLimit:
    """Refuses request bodies over `limit` bytes with 413, by the declared length or while reading,
    before any parser sees them (the body, at most `limit` bytes, is then replayed to the app)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send)
            return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > self.limit:
                await self._refuse(scope, receive, send)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse({"detail": f"request body over the {self.limit}-byte limit"}, status_code=413)
        await response(scope, receive, send)


class Slots:
    """At most `size` answers in flight and `queue` requests waiting for one; a slot is freed when its
    work ends, even after a timeout, so a slow request keeps counting against the bound.

    Used from the event loop only (acquire in a handler, release in a done callback)."""

    def __init__(self, size: int, queue: int) -> None:
        self.size = size
        self.queue = queue
        self._free = asyncio.Semaphore(size)
        self.in_flight = 0
        self.waiting = 0
        self.mean_seconds = 1.0  # running mean of answer times, for Retry-After

    async def acquire(self, deadline_s: float) -> bool:
        """Take a slot, waiting in the queue up to `deadline_s`; False when the queue is full or time ran out."""
        if self._free.locked() and self.waiting >= self.queue:
            return False
        self.waiting += 1
        try:
            await asyncio.wait_for(self._free.acquire(), deadline_s)
        except asyncio.TimeoutError:
            return False
        finally:
            self.waiting -= 1
        self.in_flight += 1
        return True

    def release(self, seconds: float | None = None) -> None:
        if seconds is not None:
            self.mean_seconds = 0.8 * self.mean_seconds + 0.2 * seconds
        self.in_flight -= 1
        self._free.release()

    def retry_after(self) -> int:
        """Seconds until a queue place is likely free: the queue ahead, answered `size` at a time."""
        return max(1, math.ceil(self.mean_seconds * (self.waiting + 1) / self.size))


def reply_json(reply: Reply, responder: Responder) -> dict[str, Any]:
    """The answer, why, the matched exhibit's card (null: the photo matches no exhibit of the collection)
    and the record fields used, names in the asker's language."""
    match, reading = reply.match, reply.reading
    return {
        "answer": reply.answer,
        "answer_language": reply.answer_language,
        "mode": reply.mode,
        "answered_by": reply.answered_by,
        "language": reply.language,
        "category": reply.detected.category if reply.detected else None,
        "visual": reply.detected.visual if reply.detected else None,
        "understanding": {
            "language_source": reading.language_source if reading else None,
            "language_confidence": round(reading.language_confidence, 3) if reading else None,
            "method": reading.method if reading else None,
            "score": round(reply.detected.score, 3) if reply.detected else None,
            "fallback": reading.fallback if reading else None,
        },
        "recognised": match is not None,
        "exhibit": None if match is None else {
            **exhibit_json(responder.catalogue.exhibits[match.exhibit_id], responder.catalogue, True, reply.language),
            "inliers": match.inliers,
            "similarity": round(match.similarity, 4),
            "matched_image_url": f"/api/images/{match.image_key}",
        },
        "fields": reply.fields,
        "field_labels": field_labels(list(reply.fields), reply.language),
        "why": reply.why,
        "reason": reply.reason,
    }


def create_app(responder: Responder, settings: ServeSettings | None = None) -> FastAPI:
    """The FastAPI app around a loaded `Responder`."""
    settings = settings or ServeSettings()
    languages = available_languages()
    slots = Slots(settings.max_concurrency, settings.max_queue)
    app = FastAPI(title="museumvqa: ask the museum", version="1")
    app.state.slots = slots
    app.add_middleware(BodyLimit, limit=settings.max_upload_bytes + FORM_OVERHEAD)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page() -> str:
        return (resources.files("museumvqa.serving") / "static" / "index.html").read_text(encoding="utf-8")

    @app.get("/api/health")
    def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "exhibits": len(responder.catalogue.exhibits),
            "images": len(responder.catalogue.keys),
            "min_inliers": responder.catalogue.min_inliers,  # below it: "not in this collection"
            "model": responder.model.name,
            "modes": list(MODES),
            "default_mode": DEFAULT_MODE,
            "languages": languages,
            "in_flight": slots.in_flight,
            "waiting": slots.waiting,
            "max_concurrency": slots.size,
            "max_queue": slots.queue,
        }

    @app.get("/api/samples")
    def samples(limit: int = 12, language: str = DEFAULT_LANGUAGE) -> list[dict[str, Any]]:
        """A few exhibits with an image, for the page's "pick a sample" list."""
        lang = language if language in languages else DEFAULT_LANGUAGE
        ids = list(dict.fromkeys(responder.catalogue.owners))[: max(0, min(limit, 100))]
        return [exhibit_json(responder.catalogue.exhibits[i], responder.catalogue, True, lang) for i in ids]

    @app.get("/api/labels")
    def labels() -> dict[str, Any]:
        """The page's words, field names and language names in every supported language."""
        return {lang: page_words(lang) for lang in languages}

    @app.get("/record/{exhibit_id:path}", response_class=HTMLResponse)
    def record(exhibit_id: str, lang: str = DEFAULT_LANGUAGE) -> str:
        """One record as a readable page (field names in `lang`); `/api/exhibits/{id}` has the same as data."""
        found = responder.catalogue.exhibits.get(exhibit_id)
        if found is None:
            raise HTTPException(404, f"no exhibit {exhibit_id!r} in the catalogue")
        return record_page(found, responder.catalogue, lang if lang in languages else DEFAULT_LANGUAGE)

    @app.get("/api/exhibits/{exhibit_id:path}")
    def exhibit(exhibit_id: str) -> dict[str, Any]:
        found = responder.catalogue.exhibits.get(exhibit_id)
        if found is None:
            raise HTTPException(404, f"no exhibit {exhibit_id!r} in the catalogue")
        return exhibit_json(found, responder.catalogue, summary=False)

    @app.get("/api/images/{key}", response_class=Response, responses={200: {"content": {"image/jpeg": {}}}})
    def image(key: str) -> Response:
        data = responder.catalogue.jpegs.get(key)
        if data is None:
            raise HTTPException(404, f"no catalogue image {key!r}")
        return Response(data, media_type="image/jpeg", headers={"Cache-Control": "max-age=3600"})

    @app.post("/api/ask")
    async def ask(
        image: Annotated[UploadFile, File(description="Photo of the exhibit (JPEG, PNG, WebP, ...).")],
        question: Annotated[str, Form(min_length=1, max_length=500)],
        language: Annotated[
            str | None, Form(description="A template language (see /api/health); default: detected")
        ] = None,
        mode: Annotated[Mode, Form()] = DEFAULT_MODE,
    ) -> dict[str, Any]:
        if not question.strip():
            raise HTTPException(422, "the question is empty")
        if language is not None and language not in languages:
            raise HTTPException(422, f"unknown language {language!r}; supported: {', '.join(languages)}")
        if (image.content_type or "").split(";")[0].strip().lower() not in IMAGE_TYPES:
            raise HTTPException(415, f"upload an image ({', '.join(IMAGE_TYPES)}), not {image.content_type!r}")
        data = await image.read(settings.max_upload_bytes + 1)
        if len(data) > settings.max_upload_bytes:
            raise HTTPException(413, f"image over the {settings.max_upload_bytes}-byte limit")
        started = time.monotonic()
        if not await slots.acquire(settings.timeout_s):
            wait = slots.retry_after()
            raise HTTPException(
                503, f"busy: every answering slot and queue place is taken, retry in {wait} s",
                headers={"Retry-After": str(wait)},
            )  # fmt: skip
        work = asyncio.get_running_loop().run_in_executor(
            None, _answer, responder, data, question, language, mode, settings.max_pixels
        )
        begun = time.monotonic()
        work.add_done_callback(lambda done: _finished(done, slots, time.monotonic() - begun))
        try:
            reply = await asyncio.wait_for(asyncio.shield(work), max(0.0, settings.timeout_s - (begun - started)))
        except TimeoutError:
            raise HTTPException(504, f"no answer within {settings.timeout_s:g} s") from None
        return reply_json(reply, responder)

    return app


def _finished(work: asyncio.Future[Reply], slots: Slots, seconds: float) -> None:
    """Free the slot; consume an error nobody awaits any more (the request timed out)."""
    slots.release(seconds)
    if not work.cancelled():
        work.exception()


def _answer(
    responder: Responder, data: bytes, question: str, language: str | None, mode: Mode, max_pixels: int
) -> Reply:
    try:
        picture = load_image(data, max_pixels=max_pixels)
    except ImageError as e:
        status = 413 if "pixels" in e.reason else 415 if e.reason == "not an image" else 400
        raise HTTPException(status, f"image refused: {e.reason}") from None
    return responder.respond(picture, question, language, mode)
