"""A per-host circuit breaker: stop asking a host that is not there.

A catalogue whose image host is down or misspelt would otherwise cost one timeout (or one refused
connection and its retries) per image: 1,312 unreachable images took nearly ten minutes. After
`threshold` connection failures in a row (DNS failure, refused, reset, timeout) the host's circuit
opens and its remaining images fail at once; after `cooldown` seconds one request may try again,
and a success closes the circuit.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass
class _Host:
    failures: int = 0
    last_reason: str = ""
    opened_at: float | None = None
    trial_running: bool = False


class HostBreaker:
    """Thread-safe record of consecutive connection failures per host."""

    def __init__(self, threshold: int, cooldown: float) -> None:
        self.threshold = threshold
        self.cooldown = cooldown
        self._hosts: dict[str, _Host] = {}
        self._lock = threading.Lock()

    def refusal(self, host: str) -> str | None:
        """Why a request to `host` must not be sent now, or None (it may go ahead)."""
        with self._lock:
            state = self._hosts.get(host)
            if state is None or state.opened_at is None:
                return None
            if time.monotonic() - state.opened_at >= self.cooldown and not state.trial_running:
                state.trial_running = True  # half-open: this one request tests the host
                return None
            return (
                f"host unreachable: {host} failed {state.failures} times in a row "
                f"(last: {state.last_reason}); its other images were not requested"
            )

    def failed(self, host: str, reason: str) -> None:
        """A connection-level failure (the host did not answer at all)."""
        with self._lock:
            state = self._hosts.setdefault(host, _Host())
            state.failures += 1
            state.last_reason = reason
            state.trial_running = False
            if state.failures >= self.threshold:
                state.opened_at = time.monotonic()

    def answered(self, host: str) -> None:
        """The host answered (even with an HTTP error): it is reachable, so the circuit closes."""
        with self._lock:
            self._hosts.pop(host, None)
