"""A small HTTP server on 127.0.0.1 for the soak and the reliability tests.

Each path has a handler that writes the answer itself, so a handler can answer the way a real
API does or the way a broken or hostile server does: a body shorter than its Content-Length,
an endless chunked stream, a gzip bomb. Requests are counted per path.

    with LoopbackServer() as server:
        server.route("/feed.xml", lambda call: call.reply(200, b"<rss/>", "application/rss+xml"))
        server.url("/feed.xml")
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections import Counter
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

HOST = "127.0.0.1"


class Call:
    """One request, and ways to answer it."""

    def __init__(self, handler: _Handler, method: str) -> None:
        parts = urlsplit(handler.path)
        self.handler = handler
        self.method = method
        self.path = parts.path
        self.query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        self.headers = {name.lower(): value for name, value in handler.headers.items()}
        self.sent = 0  # body bytes written before the client hung up (or all of them)

    def reply(self, status: int, body: bytes = b"", content_type: str = "application/json",
              headers: dict[str, str] | None = None) -> None:
        self._head(status, content_type, {"Content-Length": str(len(body)), **(headers or {})})
        self._write(body)

    def truncated(self, status: int, body: bytes, declared: int, content_type: str) -> None:
        """Promise `declared` bytes, send `body` (fewer), then close the connection."""
        self._head(status, content_type, {"Content-Length": str(declared), "Connection": "close"})
        self._write(body)
        self.handler.close_connection = True

    def stream(self, status: int, chunks: Iterable[bytes], content_type: str,
               headers: dict[str, str] | None = None, declared: int | None = None) -> None:
        """Send chunks as they are made: with a declared length, or chunked when there is none.
        Stops quietly when the client hangs up, which is what refusing a response looks like."""
        extra = dict(headers or {})
        extra["Content-Length" if declared is not None else "Transfer-Encoding"] = (
            str(declared) if declared is not None else "chunked")
        self._head(status, content_type, extra)
        for chunk in chunks:
            framed = chunk if declared is not None else b"%x\r\n%s\r\n" % (len(chunk), chunk)
            if not self._write(framed):
                return
        if declared is None:
            self._write(b"0\r\n\r\n")

    def _head(self, status: int, content_type: str, headers: dict[str, str]) -> None:
        self.handler.send_response(status)
        if content_type:
            self.handler.send_header("Content-Type", content_type)
        for name, value in headers.items():
            self.handler.send_header(name, value)
        self.handler.end_headers()

    def _write(self, data: bytes) -> bool:
        try:
            self.handler.wfile.write(data)
            self.handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.handler.close_connection = True
            return False
        self.sent += len(data)
        return True


Route = Callable[[Call], None]


class LoopbackServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: Counter[str] = Counter()
        self.bytes_sent: Counter[str] = Counter()
        self.errors: list[str] = []  # handler failures, with tracebacks
        self._lock = threading.Lock()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    def route(self, path: str, handler: Route) -> None:
        self.routes[path] = handler

    def url(self, path: str = "") -> str:
        return f"{self.base_url}{path}"

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the loopback server is not running")
        return f"http://{HOST}:{self._httpd.server_address[1]}"

    def start(self) -> LoopbackServer:
        self._httpd = _Server((HOST, 0), _Handler, self)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="loopback-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def dispatch(self, call: Call) -> None:
        with self._lock:
            self.requests[call.path] += 1
        handler = self.routes.get(call.path)
        if handler is None:
            call.reply(404, b'{"error": "no such path"}')
        else:
            handler(call)
        with self._lock:
            self.bytes_sent[call.path] += call.sent


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler],
                 app: LoopbackServer) -> None:
        self.app = app
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client hanging up (or killed) mid-answer is expected; anything else is kept."""
        error = sys.exc_info()[1]
        if not isinstance(error, (BrokenPipeError, ConnectionResetError)):
            self.app.errors.append(traceback.format_exc())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        self.server.app.dispatch(Call(self, "GET"))

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.server.app.dispatch(Call(self, "POST"))

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet; `requests` counts what was asked."""
