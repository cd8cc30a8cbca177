"""HTTP(S) downloads for the images stage: polite, bounded and never fatal.

A museum's image server is shared with its public website, so the fetcher caps concurrent requests
per host, names itself in a clear User-Agent, honours `Retry-After`, and backs off exponentially on
transient errors (429, 5xx, timeouts, dropped connections). Anything that still fails becomes a
`FetchError` (an `ImageError`) whose reason goes into the ledger; permanent errors (404, 403, 410)
and a host that is not there (DNS failure, connection refused) are not retried, and a host that
fails to connect `breaker_threshold` times in a row is not asked again for a while (`breaker.py`).
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
from museumvqa.images.breaker import HostBreaker
from museumvqa.images.process import ImageError

USER_AGENT = f"museumvqa/{__version__} (museum VQA dataset builder; image fetcher)"
TRANSIENT_STATUSES = {408, 425, 429, 500, 502, 503, 504}


class FetchError(ImageError):
    """A download that failed for good; `transient` says whether a later retry may succeed.

    `unreachable` marks a failure to talk to the host at all (no answer), which the breaker counts."""

    def __init__(self, reason: str, transient: bool, unreachable: bool = False) -> None:
        super().__init__(reason)
        self.transient = transient
        self.unreachable = unreachable


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
    breaker_threshold: int = 5  # connection failures in a row that stop requests to a host
    breaker_cooldown: float = 60.0  # seconds before a stopped host is tried once more

    def check(self) -> None:
        """ValueError naming the first setting out of range."""
        for name, ok in (
            ("timeout", self.timeout > 0),
            ("retries", self.retries >= 0),
            ("backoff", self.backoff >= 0),
            ("per_host", self.per_host >= 1),
            ("max_bytes", self.max_bytes >= 1),
            ("breaker_threshold", self.breaker_threshold >= 1),
            ("breaker_cooldown", self.breaker_cooldown >= 0),
        ):
            if not ok:
                raise ValueError(f"fetch setting {name} out of range: {getattr(self, name)}")


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
        self.breaker = HostBreaker(self.settings.breaker_threshold, self.settings.breaker_cooldown)

    def _slot(self, url: str) -> threading.BoundedSemaphore:
        host = urlsplit(url).netloc.lower()
        with self._lock:
            if host not in self._hosts:
                self._hosts[host] = threading.BoundedSemaphore(self.settings.per_host)
            return self._hosts[host]

    def get(self, url: str) -> Response:
        """The body of `url`, retried on transient errors; raises `FetchError` with a short reason."""
        host = urlsplit(url).netloc.lower()
        tries = 0
        while True:
            tries += 1
            refusal = self.breaker.refusal(host)
            if refusal is not None:
                raise FetchError(refusal, transient=False)
            try:
                with self._slot(url):
                    reply = self._once(url, tries)
                self.breaker.answered(host)
                return reply
            except FetchError as error:
                if error.unreachable:
                    self.breaker.failed(host, str(error))
                else:
                    self.breaker.answered(host)
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
            raise http_error(e) from None
        except http.client.IncompleteRead:
            raise FetchError("truncated download", transient=True) from None
        except urllib.error.URLError as e:
            raise connection_error(e.reason) from None
        except (http.client.HTTPException, OSError) as e:
            raise connection_error(e) from None
        if len(data) > self.settings.max_bytes:
            raise FetchError(f"too large: over {self.settings.max_bytes} bytes", transient=False)
        if not data:
            raise FetchError("empty response", transient=False)
        return Response(data, content_type, tries)


def http_error(e: urllib.error.HTTPError, label: str = "http") -> FetchError:
    """An HTTP error status as a FetchError: transient for 408/425/429/5xx, with the server's Retry-After."""
    error = FetchError(f"{label} {e.code}", transient=e.code in TRANSIENT_STATUSES)
    error.retry_after = retry_after_seconds(e.headers.get("Retry-After"))  # type: ignore[attr-defined]
    return error


def connection_error(cause: object) -> FetchError:
    """A failure below HTTP, classified: a missing host or a closed port will not come back on a retry."""
    if isinstance(cause, socket.gaierror):
        return FetchError(f"host not found (DNS: {cause.strerror})", transient=False, unreachable=True)
    if isinstance(cause, ConnectionRefusedError):
        return FetchError("connection refused", transient=False, unreachable=True)
    if isinstance(cause, (TimeoutError, socket.timeout)):
        return FetchError("timeout", transient=True, unreachable=True)
    if isinstance(cause, (ConnectionError, OSError)):
        return FetchError(f"connection error: {type(cause).__name__}", transient=True, unreachable=True)
    return FetchError(f"connection error: {cause}", transient=True)


def retry_after_seconds(value: str | None) -> float | None:
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
