"""A model behind an OpenAI-compatible chat-completions endpoint (vLLM, TGI, llama.cpp server, a hosted API) as
an answerer: `openai:MODEL@http://host:port/v1`.

Each (question, image) is one request: the image as a base64 JPEG data URL and the zero-shot prompt
(`ZERO_SHOT_PROMPT`), greedily (temperature 0), at most the evaluation's answer budget in tokens. Requests run
a few at a time, are retried on 429, 5xx and lost connections (honouring `Retry-After`), and every answer is
appended to a cache file keyed by what was asked, not where: a rerun, or the same model served elsewhere,
costs no request. The API key comes from `OPENAI_API_KEY` when set and is never written anywhere.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image

from museumvqa.config import setting
from museumvqa.errors import UserError
from museumvqa.images.fetch import TRANSIENT_STATUSES, retry_after_seconds

if TYPE_CHECKING:
    import httpx

API_PREFIX = "openai:"
KEY_VARIABLE = "OPENAI_API_KEY"
JPEG_QUALITY = 90
# Our wording of the paper's zero-shot setting: the bare answer, in the question's language, nothing else.
ZERO_SHOT_PROMPT = (
    "This is a photograph of a museum exhibit. Answer the question about it briefly, with only the answer "
    "(no sentence, no explanation), in the language of the question.\nQuestion: {question}"
)
_SPEC = re.compile(r"^openai:(?P<model>[^@]+)@(?P<url>https?://\S+)$")


@dataclass
class ApiSettings:
    """How an `openai:` answerer talks to its endpoint."""

    concurrency: int = setting(4, "Requests to an openai: model in flight at once.")
    timeout: float = setting(120.0, "Seconds an openai: request may take before it is retried.")
    retries: int = setting(5, "Retries of an openai: request that timed out, lost its connection or got a 429/5xx.")
    backoff: float = setting(1.0, "Seconds before the first retry; doubles with each retry (Retry-After wins).")
    max_wait: float = setting(60.0, "Longest pause before a retry, in seconds (a longer Retry-After is cut to it).")

    def __post_init__(self) -> None:
        for name, ok in (
            ("concurrency", self.concurrency >= 1),
            ("timeout", self.timeout > 0),
            ("retries", self.retries >= 0),
            ("backoff", self.backoff >= 0),
            ("max_wait", self.max_wait >= 0),
        ):
            if not ok:
                raise UserError(
                    f"api.{name} {getattr(self, name)}: out of range; concurrency takes 1 or more, timeout above 0, "
                    "retries, backoff and max_wait 0 or more"
                )


def parse_spec(spec: str) -> tuple[str, str]:
    """`openai:MODEL@http://host:port/v1` -> (MODEL, base URL without a trailing slash)."""
    match = _SPEC.match(spec)
    if match is None:
        raise UserError(f"{spec!r}: give an API model as openai:MODEL@http://host:port/v1")
    return match["model"], match["url"].rstrip("/")


def safe_stem(name: str) -> str:
    """A file name for an answerer name: `openai:Qwen/Qwen2-VL-7B` -> `openai-Qwen-Qwen2-VL-7B`."""
    return re.sub(r"[^\w.-]+", "-", name).strip("-.") or "model"


class AnswerCache:
    """Answers by request key, appended one JSON line at a time and flushed, so a kill loses at most the line
    being written (a cut-off line is skipped on reading, and the next line starts on its own)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.answers: dict[str, str] = {}
        self._lock = threading.Lock()
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            for line in text.splitlines():
                try:
                    item = json.loads(line)
                    self.answers[item["key"]] = item["answer"]
                except (json.JSONDecodeError, KeyError, TypeError):
                    continue
            if text and not text.endswith("\n"):
                with path.open("a", encoding="utf-8") as f:
                    f.write("\n")

    def get(self, key: str) -> str | None:
        return self.answers.get(key)

    def put(self, key: str, answer: str) -> None:
        line = json.dumps({"key": key, "answer": answer}, ensure_ascii=False) + "\n"
        with self._lock:
            self.answers[key] = answer
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line)
                f.flush()


def jpeg_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()


class ApiAnswerer:
    """Answers each row by one chat-completions request (several at once), through the on-disk cache."""

    def __init__(
        self,
        model: str,
        base_url: str,
        max_new_tokens: int,
        settings: ApiSettings | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.model = model
        self.url = f"{base_url}/chat/completions"
        self.settings = settings or ApiSettings()
        self.name = f"{API_PREFIX}{model}"
        self.generation = {
            "method": "openai chat completions",
            "temperature": 0,
            "max_tokens": max_new_tokens,
            "image": f"JPEG quality {JPEG_QUALITY}, base64 data URL",
        }
        self.cache = AnswerCache(cache_dir / f"{safe_stem(self.name)}.jsonl") if cache_dir is not None else None

    def prompt(self, row: dict[str, Any]) -> str:
        return ZERO_SHOT_PROMPT.format(question=row["question"])

    def answer_rows(self, rows: Sequence[dict[str, Any]], images: Sequence[Image.Image]) -> list[str]:
        failed = threading.Event()
        with self._client() as client, ThreadPoolExecutor(self.settings.concurrency) as pool:
            futures = [pool.submit(self._answer, client, failed, row, image) for row, image in zip(rows, images)]
            try:
                return [future.result() for future in futures]
            except BaseException:
                failed.set()  # requests waiting to be retried give up at once, queued ones never start
                for future in futures:
                    future.cancel()
                raise

    def _answer(self, client: httpx.Client, failed: threading.Event, row: dict[str, Any], image: Image.Image) -> str:
        jpeg = jpeg_bytes(image)
        prompt = self.prompt(row)
        asked = {
            "model": self.model,
            "prompt": prompt,
            "image_sha256": hashlib.sha256(jpeg).hexdigest(),
            "generation": self.generation,
        }
        key = hashlib.sha256(json.dumps(asked, sort_keys=True).encode()).hexdigest()
        cached = self.cache.get(key) if self.cache is not None else None
        if cached is not None:
            return cached
        data_url = "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")
        body = {
            "model": self.model,
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": prompt},
                        {"type": "image_url", "image_url": {"url": data_url}},
                    ],
                }
            ],
            "temperature": 0,
            "max_tokens": self.generation["max_tokens"],
        }
        answer = _content(self._post(client, failed, body), self.url)
        if self.cache is not None:
            self.cache.put(key, answer)
        return answer

    def _client(self) -> httpx.Client:
        """One client per batch (its connections shared by the threads); the key goes into a header only."""
        import httpx

        headers = {"Content-Type": "application/json"}
        key = os.environ.get(KEY_VARIABLE)
        if key:
            headers["Authorization"] = f"Bearer {key}"
        limits = httpx.Limits(max_connections=self.settings.concurrency)
        return httpx.Client(headers=headers, timeout=self.settings.timeout, limits=limits)

    def _post(self, client: httpx.Client, failed: threading.Event, body: dict[str, Any]) -> dict[str, Any]:
        """The JSON reply, retried on 429/5xx/transport errors; a one-line UserError once retries run out."""
        import httpx

        tries = 0
        while True:
            tries += 1
            wait: float | None = None
            try:
                reply = client.post(self.url, json=body)
            except httpx.TransportError as e:
                detail = " ".join(str(e).split())
                failure = f"no answer ({type(e).__name__}{': ' + detail if detail else ''})"
            else:
                if reply.status_code == 200:
                    try:
                        return reply.json()
                    except ValueError:
                        raise UserError(f"{self.url}: answered 200 but not JSON ({reply.text[:80]!r})") from None
                failure = f"status {reply.status_code}: {_message(reply)}"
                if reply.status_code not in TRANSIENT_STATUSES:
                    raise UserError(f"{self.url}: {failure} (model {self.model!r})")
                wait = retry_after_seconds(reply.headers.get("Retry-After"))
            if tries > self.settings.retries or failed.is_set():
                raise UserError(f"{self.url}: {failure} after {tries} tries (model {self.model!r})")
            if wait is None:
                wait = self.settings.backoff * 2 ** (tries - 1)
            time.sleep(min(wait, self.settings.max_wait))


def _message(reply: httpx.Response) -> str:
    """The error text an OpenAI-compatible server sends, on one short line."""
    try:
        error = reply.json().get("error", reply.text)
        text = error.get("message", str(error)) if isinstance(error, dict) else str(error)
    except (ValueError, AttributeError):
        text = reply.text
    return " ".join(text.split())[:200] or reply.reason_phrase


def _content(reply: dict[str, Any], url: str) -> str:
    """The answer text of a chat-completions reply (a string, or a list of text parts)."""
    try:
        content = reply["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise UserError(f"{url}: reply has no choices[0].message.content ({json.dumps(reply)[:120]})") from None
    if isinstance(content, list):
        content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return (content or "").strip()
