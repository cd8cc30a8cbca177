"""A loopback OpenAI-compatible chat-completions server for API answerer tests.

It reads a request as a real server would: JSON body, the model it serves (another is a 404), a user
message of a text part and an `image_url` part whose base64 data URL must decode to an image (else 400).
It answers deterministically: the canned answer of the first phrase of `answers` found in the prompt,
else the colour name nearest the image's mean colour. It counts requests, remembers what each asked
(temperature, max_tokens, Authorization), tracks peak concurrency, and fails the first `fail_first`
requests (or all, `fail_always`) with `fail_status` and `Retry-After: retry_after`.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

from PIL import Image, ImageStat

from helpers.loopback import start_server

PALETTE = {
    "black": (0, 0, 0),
    "white": (255, 255, 255),
    "grey": (128, 128, 128),
    "red": (200, 40, 40),
    "green": (40, 160, 60),
    "blue": (40, 60, 200),
    "yellow": (220, 200, 60),
    "brown": (120, 80, 40),
}
DATA_URL_PREFIX = "data:image/jpeg;base64,"


def colour_name(image: Image.Image) -> str:
    """The palette colour nearest the image's mean colour."""
    mean = ImageStat.Stat(image.convert("RGB")).mean
    return min(PALETTE, key=lambda name: sum((a - b) ** 2 for a, b in zip(mean, PALETTE[name])))


class BadRequest(Exception):
    """A request a real server would refuse with 400 (or `status`)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class OpenAIServer:
    """Serves `model` at `url` (…/v1); see the module docstring."""

    def __init__(self, model: str = "tiny-vlm", answers: dict[str, str] | None = None, delay: float = 0.0) -> None:
        self.model = model
        self.answers = answers or {}
        self.delay = delay  # seconds each answer takes, so concurrent requests overlap
        self.fail_first = 0
        self.fail_always = False
        self.fail_status = 503
        self.retry_after: str | None = "0"
        self.requests = 0
        self.asked: list[dict[str, Any]] = []  # per answered request: temperature, max_tokens, authorization, prompt
        self.active = self.peak = 0
        self._lock = threading.Lock()
        self.httpd, self.thread = start_server(self._answer)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}/v1"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        if handler.command != "POST" or handler.path != "/v1/chat/completions":
            self._send(handler, 404, {"error": {"message": f"no route {handler.command} {handler.path}"}})
            return
        with self._lock:
            number = self.requests
            self.requests += 1
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            body = handler.rfile.read(int(handler.headers.get("Content-Length", 0)))
            if self.fail_always or number < self.fail_first:
                headers = {"Retry-After": self.retry_after} if self.retry_after is not None else {}
                self._send(handler, self.fail_status, {"error": {"message": "server overloaded, try later"}}, headers)
                return
            try:
                request = json.loads(body)
                prompt, image = self._read(request)
            except BadRequest as e:
                self._send(handler, e.status, {"error": {"message": str(e)}})
                return
            except (ValueError, TypeError, KeyError) as e:
                self._send(handler, 400, {"error": {"message": f"malformed request: {e}"}})
                return
            time.sleep(self.delay)
            answer = next((reply for phrase, reply in self.answers.items() if phrase in prompt), colour_name(image))
            with self._lock:
                self.asked.append(
                    {
                        "temperature": request.get("temperature"),
                        "max_tokens": request.get("max_tokens"),
                        "authorization": handler.headers.get("Authorization"),
                        "prompt": prompt,
                    }
                )
            self._send(
                handler,
                200,
                {
                    "id": f"chatcmpl-{number}",
                    "object": "chat.completion",
                    "model": self.model,
                    "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": f" {answer}\n"}, "finish_reason": "stop"}
                    ],
                },
            )
        finally:
            with self._lock:
                self.active -= 1

    def _read(self, request: dict[str, Any]) -> tuple[str, Image.Image]:
        """The prompt text and the decoded image of a chat request, or BadRequest."""
        if request.get("model") != self.model:
            raise BadRequest(f"The model `{request.get('model')}` does not exist.", 404)
        messages = request["messages"]
        user = [m for m in messages if m.get("role") == "user"]
        if not user or not isinstance(user[-1].get("content"), list):
            raise BadRequest("expected a user message with a list of content parts")
        parts = user[-1]["content"]
        texts = [p["text"] for p in parts if p.get("type") == "text"]
        urls = [p["image_url"]["url"] for p in parts if p.get("type") == "image_url"]
        if len(texts) != 1 or len(urls) != 1:
            raise BadRequest("expected one text part and one image_url part")
        if not urls[0].startswith(DATA_URL_PREFIX):
            raise BadRequest("image_url must be a base64 JPEG data URL")
        try:
            image = Image.open(io.BytesIO(base64.b64decode(urls[0][len(DATA_URL_PREFIX) :], validate=True)))
            image.load()
        except (binascii.Error, OSError) as e:
            raise BadRequest(f"image does not decode: {e}") from None
        return texts[0], image

    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(payload).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up
