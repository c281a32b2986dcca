"""Sources that misbehave: 429 and 5xx storms get bounded retries; malformed JSON, truncated
bodies and wrong content types get a clear error naming the source. The other sources collect
as if nothing happened.

Every service runs on its own loopback server (its own host:port, as real services have), and
all sources run together through the real runner. Each source's HTTP client gets a fake clock
(injected through the runner's http_factory), so backoff and Retry-After waits are recorded
rather than slept.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape

import pytest
from reliability_kit import FakeClock, config_text, load_bench
from sqlalchemy import select

from collector.http import build_http
from repwatch.collect import Collection, SourceRun, http_settings
from repwatch.config import Config, SourceConfig, parse_config
from storage.db import Database
from storage.models import MentionRow, Source

loopback = load_bench("loopback")
NOW = datetime.now(UTC).replace(microsecond=0)
HN = "/api/v1/search_by_date"
STACK = "/2.3/search/advanced"
APPLE = "/us/rss/customerreviews/page=1/id=1234567890/sortby=mostrecent/json"
MASTODON = "/api/v1/timelines/tag/acme"
FEED = "/feed.xml"


def rss(count: int) -> bytes:
    items = "".join(
        f"<item><title>Acme item {i}</title><guid>https://news.example/acme/{i}</guid>"
        f"<link>https://news.example/acme/{i}</link>"
        f"<pubDate>{(NOW - timedelta(hours=i + 1)).strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
        f"<description>{escape('<p>Acme support was slow, item ' + str(i) + '</p>')}</description></item>"
        for i in range(count))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>{items}</channel></rss>'.encode()


def statuses(count: int) -> bytes:
    return json.dumps([{
        "id": str(110_000 + i), "created_at": (NOW - timedelta(minutes=i + 1)).isoformat(),
        "uri": f"https://social.example/users/u{i}/statuses/{110_000 + i}",
        "url": f"https://social.example/@u{i}/{110_000 + i}", "content": f"<p>#acme outage {i}</p>",
        "account": {"acct": f"u{i}", "noindex": False}, "reblog": None, "language": "en",
        "spoiler_text": "", "favourites_count": 0, "reblogs_count": 0, "replies_count": 0,
    } for i in range(count)]).encode()


class Services:
    """One loopback server per service name; `urls` maps each name to its base URL."""

    def __init__(self, stack: ExitStack, names: list[str]) -> None:
        self.servers = {name: stack.enter_context(loopback.LoopbackServer()) for name in names}
        self.urls = {name: server.base_url for name, server in self.servers.items()}

    def requests(self, name: str, path: str) -> int:
        return self.servers[name].requests[path]

    def errors(self) -> list[str]:
        return [error for server in self.servers.values() for error in server.errors]


@pytest.fixture
def services(request: pytest.FixtureRequest) -> Iterator[Services]:
    with ExitStack() as stack:
        yield Services(stack, request.param)


def run_all(database: Database, config: Config) -> tuple[dict[str, SourceRun], dict[str, FakeClock]]:
    clocks = {source.name: FakeClock() for source in config.sources}

    def factory(source: SourceConfig) -> Any:
        return build_http(http_settings(config.network), clock=clocks[source.name])

    runs = Collection(database, config, http_factory=factory).run_all()
    return {run.name: run for run in runs}, clocks


def stored(database: Database, name: str) -> tuple[Source, list[str]]:
    with database.session() as session:
        source = session.scalar(select(Source).where(Source.name == name))
        assert source is not None
        ids = list(session.scalars(select(MentionRow.external_id).where(MentionRow.source_id == source.id)))
        return source, ids


STORMS = ["hn", "stack", "apple", "mastodon", "news"]


@pytest.mark.parametrize("services", [STORMS], indirect=True)
def test_429_and_5xx_storms_get_bounded_retries_and_spare_the_other_sources(
    services: Services, sqlite_database: Database
) -> None:
    servers, urls = services.servers, services.urls
    servers["hn"].route(HN, lambda call: call.reply(429, b'{"message": "slow down"}', headers={"Retry-After": "30"}))
    servers["stack"].route(STACK, lambda call: call.reply(503, b"<html>503 Service Unavailable</html>", "text/html"))
    servers["apple"].route(APPLE, lambda call: call.reply(429, b"", headers={"Retry-After": "3600"}))
    flaky = iter([502, 502])
    servers["mastodon"].route(MASTODON, lambda call: call.reply(next(flaky, 200), statuses(2)))
    servers["news"].route(FEED, lambda call: call.reply(200, rss(3), "application/rss+xml"))
    config = parse_config(config_text(sqlite_database.url, [
        {"name": "throttled", "kind": "hacker_news", "params": {"base_url": urls["hn"]}},
        {"name": "failing", "kind": "stack_exchange", "params": {"base_url": urls["stack"]}},
        {"name": "asks-an-hour", "kind": "apple_app_store", "params": {"base_url": urls["apple"]}},
        {"name": "flaky", "kind": "mastodon", "params": {"instances": [urls["mastodon"]]}},
        {"name": "healthy", "kind": "rss", "params": {"urls": [urls["news"] + FEED]}},
    ], max_retries=3))

    runs, clocks = run_all(sqlite_database, config)

    throttled = runs["throttled"]
    assert throttled.error == (f"source throttled: acme: GET {urls['hn']}{HN} failed after 4 attempts: HTTP 429")
    assert throttled.retriable is True
    assert services.requests("hn", HN) == 4  # max_retries 3: one try and three retries, no more
    assert clocks["throttled"].sleeps == [30.0, 30.0, 30.0]  # as Retry-After asked

    failing = runs["failing"]
    assert failing.error == f"source failing: stackoverflow:acme: GET {urls['stack']}{STACK} failed after 4 attempts: HTTP 503"
    assert services.requests("stack", STACK) == 4
    waits = clocks["failing"].sleeps
    assert len(waits) == 3 and all(2 ** i / 2 <= wait <= 2 ** i for i, wait in enumerate(waits))  # backoff

    too_long = runs["asks-an-hour"]
    assert too_long.error is not None and "asks us to wait 3600 s" in too_long.error
    assert services.requests("apple", APPLE) == 1 and clocks["asks-an-hour"].sleeps == []

    assert runs["flaky"].ok and runs["flaky"].new == 2
    assert services.requests("mastodon", MASTODON) == 3 and len(clocks["flaky"].sleeps) == 2

    assert runs["healthy"].ok and runs["healthy"].new == 3
    assert services.requests("news", FEED) == 1 and clocks["healthy"].sleeps == []

    for name in ("throttled", "failing", "asks-an-hour"):
        source, ids = stored(sqlite_database, name)
        assert (source.consecutive_failures, source.cursor, ids) == (1, None, [])
        assert source.last_error == runs[name].error
    assert services.errors() == []


BROKEN = ["hn", "stack", "apple", "feeds", "mastodon"]
NOT_A_PAGE = b"<!DOCTYPE html><html><head><title>Sign in to the Wi-Fi</title></head><body>...</body></html>"


@pytest.mark.parametrize("services", [BROKEN], indirect=True)
def test_malformed_truncated_and_mislabelled_answers_fail_only_their_own_source(
    services: Services, sqlite_database: Database
) -> None:
    servers, urls = services.servers, services.urls
    cut_short = b'{"hits": [{"objectID": "1", "title": "Acme'
    servers["hn"].route(HN, lambda call: call.reply(200, cut_short))
    whole = json.dumps({"items": [{"question_id": i, "creation_date": 1_795_000_000 + i, "title": "Acme",
                                   "body": "<p>Acme</p>"} for i in range(30)], "has_more": False}).encode()
    servers["stack"].route(STACK, lambda call: call.truncated(200, whole[:500], len(whole), "application/json"))
    servers["apple"].route(APPLE, lambda call: call.reply(200, NOT_A_PAGE, "text/html; charset=utf-8"))
    servers["feeds"].route("/json.xml", lambda call: call.reply(200, b'{"items": []}', "application/json"))
    servers["feeds"].route("/octet.xml", lambda call: call.reply(200, rss(2), "application/octet-stream"))
    servers["mastodon"].route(MASTODON, lambda call: call.reply(200, statuses(4)))
    config = parse_config(config_text(sqlite_database.url, [
        {"name": "bad-json", "kind": "hacker_news", "params": {"base_url": urls["hn"]}},
        {"name": "truncated", "kind": "stack_exchange", "params": {"base_url": urls["stack"]}},
        {"name": "html-not-json", "kind": "apple_app_store", "params": {"base_url": urls["apple"]}},
        {"name": "json-not-feed", "kind": "rss", "params": {"urls": [urls["feeds"] + "/json.xml"]}},
        {"name": "feed-as-octets", "kind": "rss", "params": {"urls": [urls["feeds"] + "/octet.xml"]}},
        {"name": "healthy", "kind": "mastodon", "params": {"instances": [urls["mastodon"]]}},
    ], max_retries=1))

    runs, _ = run_all(sqlite_database, config)

    assert runs["bad-json"].error == (
        f"source bad-json: acme: {urls['hn']}{HN}: the response is not JSON (application/json, {len(cut_short)} bytes)")
    assert runs["truncated"].error == (
        f"source truncated: stackoverflow:acme: GET {urls['stack']}{STACK} failed after 2 attempts: connection failed "
        f"(RemoteProtocolError: peer closed connection without sending complete message body "
        f"(received 500 bytes, expected {len(whole)}))")
    assert runs["truncated"].retriable is True
    assert services.requests("stack", STACK) == 2
    assert runs["html-not-json"].error == (
        f"source html-not-json: 1234567890/us: {urls['apple']}{APPLE}: the response is not JSON "
        f"(text/html; charset=utf-8, {len(NOT_A_PAGE)} bytes)")
    json_not_feed = runs["json-not-feed"].error
    assert json_not_feed is not None
    assert json_not_feed.startswith("source json-not-feed: ")
    assert f"{urls['feeds']}/json.xml is not an RSS or Atom feed" in json_not_feed
    # A good feed under a wrong label is still read (and noted as malformed).
    assert runs["feed-as-octets"].ok and runs["feed-as-octets"].new == 2
    assert runs["healthy"].ok and runs["healthy"].new == 4

    for name in ("bad-json", "truncated", "html-not-json", "json-not-feed"):
        source, ids = stored(sqlite_database, name)
        assert (source.consecutive_failures, source.cursor, ids) == (1, None, [])
    _, healthy = stored(sqlite_database, "healthy")
    assert len(healthy) == 4
    assert services.errors() == []



def trickle(call: Any, data: bytes, every: float, at_once: int = 0) -> None:
    """Write the first `at_once` bytes of `data`, then the rest a byte every `every` seconds,
    until done or the client hangs up. `data` is the whole answer, status line included."""
    pieces = [data[:at_once], *(bytes([byte]) for byte in data[at_once:])]
    for piece in pieces:
        try:
            call.handler.wfile.write(piece)
            call.handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            call.handler.close_connection = True
            return
        call.sent += len(piece)
        time.sleep(every)


def sent_once_done(server: Any, path: str) -> int:
    """Bytes the server wrote to `path`, once its handler has noticed the client left."""
    for _ in range(3000):
        if server.bytes_sent[path]:
            return int(server.bytes_sent[path])
        time.sleep(0.01)
    raise AssertionError(f"the handler for {path} is still writing after 30 s")


SLOW_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: " + b"a" * 400 + b"\r\n\r\n[]"
SLOW_BODY = b'{"hits": [' + b" " * 10_000 + b'], "nbPages": 1}'
SLOW_HEAD_FAST = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(SLOW_BODY)


@pytest.mark.parametrize("services", [["slow", "mastodon"]], indirect=True)
def test_a_server_trickling_headers_or_body_is_cut_at_the_deadline(
    services: Services, sqlite_database: Database
) -> None:
    server, urls = services.servers["slow"], services.urls
    server.route("/head.xml", lambda call: trickle(call, SLOW_HEAD, 0.02))
    server.route(HN, lambda call: trickle(call, SLOW_HEAD_FAST + SLOW_BODY, 0.002, len(SLOW_HEAD_FAST)))
    services.servers["mastodon"].route(MASTODON, lambda call: call.reply(200, statuses(2)))
    config = parse_config(config_text(sqlite_database.url, [
        {"name": "slow-head", "kind": "rss", "params": {"urls": [urls["slow"] + "/head.xml"]}},
        {"name": "slow-body", "kind": "hacker_news", "params": {"base_url": urls["slow"]}},
        {"name": "healthy", "kind": "mastodon", "params": {"instances": [urls["mastodon"]]}},
    ], max_retries=2, request_deadline_seconds=1))

    runs, _ = run_all(sqlite_database, config)

    assert runs["slow-head"].error == (
        f"source slow-head: {urls['slow']}/head.xml: GET {urls['slow']}/head.xml: no complete answer "
        "within 1 s (network.request_deadline_seconds)")
    assert runs["slow-body"].error == (
        f"source slow-body: acme: GET {urls['slow']}{HN}: no complete answer within 1 s "
        "(network.request_deadline_seconds)")
    assert runs["slow-head"].retriable and runs["slow-body"].retriable
    # Cut, not retried: the server had far more to send (about 10 and 20 s of it) when the client left.
    assert services.requests("slow", "/head.xml") == 1 and services.requests("slow", HN) == 1
    assert sent_once_done(server, "/head.xml") < len(SLOW_HEAD) // 2
    assert len(SLOW_HEAD_FAST) < sent_once_done(server, HN) < len(SLOW_BODY) // 2
    assert runs["healthy"].ok and runs["healthy"].new == 2
    for name in ("slow-head", "slow-body"):
        source, ids = stored(sqlite_database, name)
        assert (source.consecutive_failures, source.cursor, ids) == (1, None, [])


@pytest.mark.parametrize("services", [["slow"]], indirect=True)
def test_a_source_run_stops_at_its_own_deadline(services: Services, sqlite_database: Database) -> None:
    """Every page comes within the request deadline; the run as a whole does not."""
    server, urls = services.servers["slow"], services.urls
    server.route("/a.xml", lambda call: trickle(call, SLOW_HEAD, 0.01))
    server.route("/b.xml", lambda call: call.reply(200, rss(2), "application/rss+xml"))
    config = parse_config(config_text(sqlite_database.url, [
        {"name": "slow-run", "kind": "rss", "params": {"urls": [urls["slow"] + "/a.xml", urls["slow"] + "/b.xml"]}},
    ], request_deadline_seconds=60, source_deadline_seconds=1))

    runs, _ = run_all(sqlite_database, config)

    error = runs["slow-run"].error
    assert error == (
        f"source slow-run: 2 of 2 streams failed: {urls['slow']}/a.xml: GET {urls['slow']}/a.xml: stopped at "
        "the source run's 1 s deadline (network.source_deadline_seconds); "
        f"{urls['slow']}/b.xml: GET {urls['slow']}/b.xml: stopped at the source run's 1 s deadline "
        "(network.source_deadline_seconds)")
    assert services.requests("slow", "/b.xml") == 0


@pytest.mark.parametrize("services", [["mastodon", "stack", "hn"]], indirect=True)
def test_a_malformed_item_is_skipped_and_counted_and_deep_nesting_is_a_clear_error(
    services: Services, sqlite_database: Database
) -> None:
    servers, urls = services.servers, services.urls
    page = json.loads(statuses(3))
    page[1]["account"] = "someone@social.example"  # a string where an object belongs
    servers["mastodon"].route(MASTODON, lambda call: call.reply(200, json.dumps(page).encode()))
    items = [{"question_id": i, "creation_date": 1_795_000_000 + i, "title": "Acme", "body": "<p>Acme</p>",
              "owner": {"display_name": "ann"}} for i in range(3)]
    items[0]["owner"] = "ann"
    servers["stack"].route(STACK, lambda call: call.reply(200, json.dumps({"items": items, "has_more": False}).encode()))
    deep = b"[" * 100_000 + b"]" * 100_000
    servers["hn"].route(HN, lambda call: call.reply(200, deep))
    config = parse_config(config_text(sqlite_database.url, [
        {"name": "odd-status", "kind": "mastodon", "params": {"instances": [urls["mastodon"]]}},
        {"name": "odd-question", "kind": "stack_exchange", "params": {"base_url": urls["stack"]}},
        {"name": "deep", "kind": "hacker_news", "params": {"base_url": urls["hn"]}},
    ]))

    runs, _ = run_all(sqlite_database, config)

    assert runs["odd-status"].ok and (runs["odd-status"].new, runs["odd-status"].skipped) == (2, 1)
    assert runs["odd-question"].ok and (runs["odd-question"].new, runs["odd-question"].skipped) == (2, 1)
    assert runs["deep"].error == f"source deep: acme: {urls['hn']}{HN}: the JSON is nested too deeply to read"
    source, _ = stored(sqlite_database, "odd-status")
    assert source.skipped_last_run == 1
