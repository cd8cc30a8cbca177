"""Asking one OAI-PMH repository, politely: a request rate, Retry-After, bounded backoff, broken pages retried.

A repository is usually one server shared with the museum's public site, and a harvest is hours of
requests to it, so every request waits its turn under `rate`; a 503 (the protocol's "come back
later") waits as long as `Retry-After` says, up to `max_wait`; timeouts, 5xx, dropped connections
and pages that are not well-formed XML are retried `retries` times with doubling pauses. The HTTP
error classification is the image fetcher's (`images/fetch.py`), so both stages fail alike.
"""

from __future__ import annotations

import gzip
import http.client
import itertools
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Iterator, Mapping
from typing import TypeVar

from museumvqa import __version__
from museumvqa.catalog.harvest.protocol import (
    OAI_NS,
    BrokenPage,
    MetadataFormat,
    NotOaiResponse,
    OaiError,
    SetInfo,
    parse_formats,
    parse_identify,
    parse_sets,
    request_url,
)
from museumvqa.errors import UserError
from museumvqa.images.fetch import TRANSIENT_STATUSES, FetchError, connection_error, http_error
from museumvqa.settings import HarvestConfig

USER_AGENT = f"museumvqa/{__version__} (museum VQA dataset builder; OAI-PMH harvester)"
_ERROR_BODY_LIMIT = 1 << 20  # an OAI error sent with a 4xx status is a few hundred bytes
T = TypeVar("T")


class HarvestError(UserError):
    """A request that failed for good; `retryable` says whether re-running later may get past it."""

    def __init__(self, message: str, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class OaiClient:
    """One repository's base URL, with the pacing and retry policy of `settings`; counts requests and retries."""

    def __init__(
        self,
        base_url: str,
        settings: HarvestConfig | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = base_url
        self.settings = settings or HarvestConfig()
        self.requests = 0
        self.retries = 0
        self._sleep = sleep
        self._clock = clock
        self._next_at: float | None = None

    def call(self, params: Mapping[str, str], parse: Callable[[bytes], T]) -> tuple[bytes, T]:
        """The body of the request and what `parse` made of it, retried on transient failures.

        Raises HarvestError naming the request URL (its resumption token included) and the reason.
        """
        url = request_url(self.base_url, params)
        token = params.get("resumptionToken")
        at = f"{url} (resumption token {token!r})" if token else url
        for attempt in itertools.count(1):
            self._pace()
            self.requests += 1
            try:
                body = self._get(url)
                return body, parse(body)
            except (FetchError, BrokenPage) as e:
                transient = isinstance(e, BrokenPage) or e.transient
                if not transient or attempt > self.settings.retries:
                    tries = f" after {attempt} tries" if attempt > 1 else ""
                    hint = "" if transient else "; check the base URL (try --identify)"
                    raise HarvestError(f"{at}: {e}{tries}{hint}", retryable=transient) from None
                self.retries += 1
                self._sleep(self._wait(e, attempt))
            except OaiError as e:
                hint = f" ({e.hint})" if e.hint else ""
                raise HarvestError(f"{at}: OAI-PMH error {e}{hint}", retryable=False) from None
            except NotOaiResponse as e:
                raise HarvestError(
                    f"{url}: {e}; is this an OAI-PMH base URL? (try --identify)", retryable=False
                ) from None
        raise AssertionError("unreachable")

    def identify(self) -> dict[str, list[str]]:
        return self.call({"verb": "Identify"}, parse_identify)[1]

    def list_formats(self) -> list[MetadataFormat]:
        return self.call({"verb": "ListMetadataFormats"}, parse_formats)[1]

    def list_sets(self) -> Iterator[SetInfo]:
        """Every set, following resumption tokens."""
        params: dict[str, str] = {"verb": "ListSets"}
        while True:
            page = self.call(params, parse_sets)[1]
            yield from page.sets
            if page.token is None:
                return
            params = {"verb": "ListSets", "resumptionToken": page.token}

    def _pace(self) -> None:
        """Wait until `1/rate` seconds have passed since the previous request started."""
        if self.settings.rate <= 0:
            return
        now = self._clock()
        if self._next_at is not None and now < self._next_at:
            self._sleep(self._next_at - now)
            now = self._next_at
        self._next_at = now + 1.0 / self.settings.rate

    def _wait(self, error: Exception, attempt: int) -> float:
        asked = getattr(error, "retry_after", None)
        wait = asked if asked is not None else self.settings.backoff * 2 ** (attempt - 1)
        return min(wait, self.settings.max_wait)

    def _get(self, url: str) -> bytes:
        headers = {
            "User-Agent": USER_AGENT,
            "Accept": "text/xml, application/xml;q=0.9, */*;q=0.1",
            "Accept-Encoding": "gzip",
        }
        request = urllib.request.Request(url, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.settings.timeout) as reply:
                data = reply.read()
                encoding = (reply.headers.get("Content-Encoding") or "").lower()
        except urllib.error.HTTPError as e:
            return self._http_error(e)
        except http.client.IncompleteRead:
            raise FetchError("truncated response", transient=True) from None
        except urllib.error.URLError as e:
            raise connection_error(e.reason) from None
        except (http.client.HTTPException, OSError) as e:
            raise connection_error(e) from None
        if encoding in ("gzip", "x-gzip"):
            try:
                data = gzip.decompress(data)
            except (OSError, EOFError, zlib.error):
                raise BrokenPage("gzip body does not decompress") from None
        return data

    @staticmethod
    def _http_error(e: urllib.error.HTTPError) -> bytes:
        """A 4xx that carries an OAI-PMH error body is that error (some servers send badArgument as 400)."""
        transient = e.code in TRANSIENT_STATUSES
        if not transient:
            try:
                body = e.read(_ERROR_BODY_LIMIT)
            except (OSError, http.client.HTTPException):
                body = b""
            if OAI_NS.encode() in body[:4096] and b"<error" in body:
                return body
        raise http_error(e, "HTTP") from None
