"""A loopback HTTP server that serves the bundled demo data shaped like the real APIs.

    with DemoServer(now) as server:
        server.base_url           # http://127.0.0.1:<ephemeral port>
        server.sources_config()   # the `sources:` list pointing every collector at it
        server.competitor_sources_config()  # the competitor's app store sources
        server.environment()      # secrets the sources name (the Bluesky app password)

It listens on 127.0.0.1 only, on a port the system picks, in a background thread. Items are
placed in time around `now` (see `repwatch.demo.data`) and served only once published before
`visible_before` (which starts at `now`). Paths and payloads follow the real APIs as the
collectors in `collector/` read them: App Store RSS JSON, Google Play batchexecute, Algolia HN
search, a Google Alerts Atom feed, a Mastodon hashtag timeline, Bluesky sessions and searchPosts.
The planted ground truth of the data set is never served.
"""

from __future__ import annotations

import re
import secrets
import threading
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from repwatch.demo.api import apple, bluesky, feeds, google_play, hacker_news, mastodon
from repwatch.demo.api.common import Catalog, Reply, Request, text_reply
from repwatch.demo.data import BRAND, COMPETITOR, DemoItem, load_items

HOST = "127.0.0.1"
BLUESKY_PASSWORD_ENV = "REPWATCH_DEMO_BLUESKY_PASSWORD"  # noqa: S105 - a variable name
BLUESKY_IDENTIFIER = "repwatch-demo.social.example"

Handler = Callable[[Request, re.Match[str]], Reply]


class DemoServer:
    """The demo APIs on 127.0.0.1; use as a context manager to start and stop it."""

    def __init__(
        self,
        now: datetime,
        items: Sequence[DemoItem] | None = None,
        *,
        bluesky_access_seconds: float = 7200,
        mastodon_rate_limit: int = 300,
    ) -> None:
        self.catalog = Catalog(load_items() if items is None else items, now)
        self.bluesky_identifier = BLUESKY_IDENTIFIER
        self.bluesky_password = secrets.token_urlsafe(12)
        self.accounts = bluesky.Accounts(
            self.bluesky_identifier, self.bluesky_password, bluesky_access_seconds
        )
        limiter = mastodon.RateLimit(mastodon_rate_limit)
        catalog, accounts = self.catalog, self.accounts
        self.routes: list[tuple[str, re.Pattern[str], str, Handler]] = [
            ("GET", apple.PATH, "apple_app_store",
             lambda r, m: apple.customer_reviews(r, catalog, m)),
            ("POST", google_play.PATH, "google_play",
             lambda r, m: google_play.batchexecute(r, catalog, m)),
            ("GET", hacker_news.PATH, "hacker_news",
             lambda r, m: hacker_news.search_by_date(r, catalog, m)),
            ("GET", feeds.PATH, "rss", lambda r, m: feeds.alert_feed(r, catalog, m)),
            ("GET", mastodon.PATH, "mastodon",
             lambda r, m: mastodon.tag_timeline(r, catalog, m, limiter)),
            ("POST", bluesky.CREATE_SESSION, "bluesky_session",
             lambda r, m: bluesky.create_session(r, accounts)),
            ("POST", bluesky.REFRESH_SESSION, "bluesky_session",
             lambda r, m: bluesky.refresh_session(r, accounts)),
            ("GET", bluesky.SEARCH_POSTS, "bluesky",
             lambda r, m: bluesky.search_posts(r, catalog, accounts)),
        ]
        self.requests: Counter[str] = Counter()
        self.errors: list[str] = []
        self._httpd: _LoopbackServer | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle ----------------------------------------------------------------------

    def start(self) -> DemoServer:
        if self._httpd is not None:
            raise RuntimeError("the demo server is already running")
        self._httpd = _LoopbackServer((HOST, 0), _RequestHandler, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
            name="repwatch-demo-server", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        self._httpd = self._thread = None

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def address(self) -> tuple[str, int]:
        if self._httpd is None:
            raise RuntimeError("the demo server is not running")
        host, port = self._httpd.server_address[:2]
        return str(host), int(port)

    @property
    def base_url(self) -> str:
        host, port = self.address
        return f"http://{host}:{port}"

    @property
    def now(self) -> datetime:
        return self.catalog.now

    @property
    def visible_before(self) -> datetime:
        return self.catalog.visible_before

    @visible_before.setter
    def visible_before(self, moment: datetime) -> None:
        self.catalog.visible_before = moment

    # ---- what the demo needs to point repwatch here --------------------------------------

    def brand_config(self) -> dict[str, Any]:
        """The `brands:` entry for the demo brand."""
        return {key: list(value) if isinstance(value, list) else value for key, value in BRAND.items()}

    def sources_config(self) -> list[dict[str, Any]]:
        """The `sources:` list: every collector kind, with its base URL set to this server."""
        base, brand = self.base_url, str(BRAND["name"])

        def source(name: str, kind: str, every: str, params: dict[str, Any]) -> dict[str, Any]:
            return {"name": name, "kind": kind, "brand": brand, "every": every, "params": params}

        return [
            source("demo-app-store", "apple_app_store", "6h",
                   {"countries": ["us", "gb"], "max_pages": 10, "base_url": base}),
            source("demo-google-play", "google_play", "6h",
                   {"language": "en", "country": "us", "max_pages": 40, "base_url": base}),
            source("demo-hacker-news", "hacker_news", "1h",
                   {"tags": ["story", "comment"], "max_pages": 10, "base_url": base}),
            source("demo-google-alerts", "rss", "1h", {"urls": [f"{base}/feeds/tidewell.xml"]}),
            source("demo-mastodon", "mastodon", "30m", {"instances": [base], "max_pages": 40}),
            source("demo-bluesky", "bluesky", "30m", {
                "identifier": self.bluesky_identifier, "app_password_env": BLUESKY_PASSWORD_ENV,
                "max_pages": 40, "service_url": base, "appview_url": base,
            }),
        ]

    def competitor_config(self) -> dict[str, Any]:
        """The `competitors:` entry for the demo brand's competitor."""
        return {key: list(value) if isinstance(value, list) else value
                for key, value in COMPETITOR.items()}

    def competitor_sources_config(self) -> list[dict[str, Any]]:
        """The competitor's sources: its App Store (US) and Google Play reviews, on this server."""
        base, brand = self.base_url, str(COMPETITOR["name"])
        return [
            {"name": "demo-harbourline-app-store", "kind": "apple_app_store", "brand": brand,
             "every": "6h", "params": {"countries": ["us"], "max_pages": 10, "base_url": base}},
            {"name": "demo-harbourline-google-play", "kind": "google_play", "brand": brand,
             "every": "6h", "params": {"language": "en", "country": "us", "max_pages": 40,
                                       "base_url": base}},
        ]

    def environment(self) -> dict[str, str]:
        """Environment variables the demo sources name (`*_env`), with their values."""
        return {BLUESKY_PASSWORD_ENV: self.bluesky_password}

    # ---- dispatch ---------------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        allowed = []
        for method, pattern, name, handler in self.routes:
            match = pattern.match(request.path)
            if match is None:
                continue
            if method != request.method:
                allowed.append(method)
                continue
            self.requests[name] += 1
            try:
                return handler(request, match)
            except Exception as exc:  # reported as a 500 and kept in `errors`, never hidden
                self.errors.append(f"{request.method} {request.path}: {traceback.format_exc()}")
                return text_reply(f"demo server error: {exc!r}", 500)
        if allowed:
            reply = text_reply(f"{request.method} not allowed here", 405)
            reply.headers["Allow"] = ", ".join(allowed)
            return reply
        self.requests["not_found"] += 1
        return text_reply(f"nothing at {request.path}", 404)


class _LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler],
                 app: DemoServer) -> None:
        self.app = app
        super().__init__(address, handler)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "repwatch-demo"
    timeout = 30
    disable_nagle_algorithm = True  # headers and body go out in two writes; don't wait 40 ms
    server: _LoopbackServer

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        self._answer("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._answer("POST")

    def _answer(self, method: str) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        host, port = self.server.server_address[:2]
        request = Request(
            method=method,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
            base_url=f"http://{host!s}:{port}",
            raw_query=parts.query,
        )
        reply = self.server.app.handle(request)
        self.send_response(reply.status)
        if reply.content_type and reply.status != 304:
            self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.status != 304:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if reply.status != 304:
            self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet: the demo prints its own progress; `requests` counts what was served."""
