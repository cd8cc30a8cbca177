"""A loopback HTTP image server for download tests: canned replies, hit counts, peak concurrency."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def start_server(answer: Callable[[BaseHTTPRequestHandler], None]) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """A threaded HTTP server on 127.0.0.1 (a free port) that hands every GET and POST to `answer`, quietly
    (`handler.command` tells them apart)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            answer(self)

        do_POST = do_GET

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    return httpd, thread


@dataclass
class Reply:
    """One canned HTTP answer; `delay` seconds pass before the headers are sent."""

    body: bytes = b""
    status: int = 200
    content_type: str = "image/jpeg"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class ImageServer:
    """A loopback HTTP server: `routes[path]` is a Reply or a list answered in turn (the last repeats)."""

    def __init__(self) -> None:
        self.routes: dict[str, Reply | list[Reply]] = {}
        self.hits: Counter[str] = Counter()
        self.agents: set[str] = set()
        self.active = self.peak = 0
        self._lock = threading.Lock()
        self.httpd, self.thread = start_server(self._answer)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}{path}"

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            n = self.hits[handler.path]
            self.hits[handler.path] += 1
            self.agents.add(handler.headers.get("User-Agent", ""))
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            route = self.routes.get(handler.path, Reply(b"no such image", 404, "text/plain"))
            reply = route[min(n, len(route) - 1)] if isinstance(route, list) else route
            time.sleep(reply.delay)
            handler.send_response(reply.status)
            handler.send_header("Content-Type", reply.content_type)
            handler.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)
        finally:
            with self._lock:
                self.active -= 1

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
