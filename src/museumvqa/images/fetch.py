"""HTTP(S) downloads for the images stage: polite, bounded and never fatal.

A museum's image server is shared with its public website, so the fetcher caps concurrent requests
per host, names itself in a clear User-Agent, honours `Retry-After`, and backs off exponentially on
transient errors (429, 5xx, timeouts, dropped connections). Anything that still fails becomes a
`FetchError` (an `ImageError`) whose reason goes into the ledger; permanent errors (404, 403, 410)
are not retried.
"""

from __future__ import annotations

import email.utils
import http.client
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from museumvqa import __version__
from museumvqa.images.process import ImageError

USER_AGENT = f"museumvqa/{__version__} (museum VQA dataset builder; image fetcher)"
_TRANSIENT = {408, 425, 429, 500, 502, 503, 504}


class FetchError(ImageError):
    """A download that failed for good; `transient` says whether a later retry may succeed."""

    def __init__(self, reason: str, transient: bool) -> None:
        super().__init__(reason)
        self.transient = transient


@dataclass(frozen=True)
class FetchSettings:
    """Download policy; `per_host` bounds concurrent requests to one host within one process."""

    timeout: float = 20.0
    retries: int = 3
    backoff: float = 0.5
    max_wait: float = 60.0
    per_host: int = 8
    max_bytes: int = 256 * 1024 * 1024
    user_agent: str = USER_AGENT

    def check(self) -> None:
        if self.timeout <= 0 or self.retries < 0 or self.backoff < 0 or self.per_host < 1 or self.max_bytes < 1:
            raise ValueError(f"bad fetch settings: {self}")


@dataclass(frozen=True)
class Response:
    """A body with its content type and how many requests it took."""

    data: bytes
    content_type: str
    tries: int


class Fetcher:
    """Thread-safe: share one per process so the per-host bound holds across threads."""

    def __init__(self, settings: FetchSettings | None = None) -> None:
        self.settings = settings or FetchSettings()
        self.settings.check()
        self._hosts: dict[str, threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()

    def _slot(self, url: str) -> threading.BoundedSemaphore:
        host = urlsplit(url).netloc.lower()
        with self._lock:
            if host not in self._hosts:
                self._hosts[host] = threading.BoundedSemaphore(self.settings.per_host)
            return self._hosts[host]

    def get(self, url: str) -> Response:
        """The body of `url`, retried on transient errors; raises `FetchError` with a short reason."""
        tries = 0
        while True:
            tries += 1
            try:
                with self._slot(url):
                    return self._once(url, tries)
            except FetchError as error:
                wait = self._wait(error, tries)
                if wait is None:
                    raise
                time.sleep(wait)

    def _wait(self, error: FetchError, tries: int) -> float | None:
        """Seconds to wait before the next try, or None to give up."""
        if not error.transient or tries > self.settings.retries:
            return None
        asked = getattr(error, "retry_after", None)
        if asked is not None:
            return min(asked, self.settings.max_wait)
        return min(self.settings.backoff * 2 ** (tries - 1), self.settings.max_wait)

    def _once(self, url: str, tries: int) -> Response:
        request = urllib.request.Request(url, headers={"User-Agent": self.settings.user_agent, "Accept": "*/*"})
        try:
            with urllib.request.urlopen(request, timeout=self.settings.timeout) as reply:
                data = reply.read(self.settings.max_bytes + 1)
                content_type = reply.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            error = FetchError(f"http {e.code}", transient=e.code in _TRANSIENT)
            error.retry_after = _retry_after(e.headers.get("Retry-After"))  # type: ignore[attr-defined]
            raise error from None
        except TimeoutError:
            raise FetchError("timeout", transient=True) from None
        except http.client.IncompleteRead:
            raise FetchError("truncated download", transient=True) from None
        except urllib.error.URLError as e:
            if isinstance(e.reason, (TimeoutError, socket.timeout)):
                raise FetchError("timeout", transient=True) from None
            raise FetchError(f"connection error: {e.reason}", transient=True) from None
        except (ConnectionError, http.client.HTTPException, OSError) as e:
            raise FetchError(f"connection error: {type(e).__name__}", transient=True) from None
        if len(data) > self.settings.max_bytes:
            raise FetchError(f"too large: over {self.settings.max_bytes} bytes", transient=False)
        if not data:
            raise FetchError("empty response", transient=False)
        return Response(data, content_type, tries)


def _retry_after(value: str | None) -> float | None:
    """`Retry-After` as seconds: either a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
