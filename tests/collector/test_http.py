from __future__ import annotations

import gzip
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest
from conftest import PUBLIC_IP, FakeApi, FakeClock, make_http, reply

from collector.http import (
    AddressRefused,
    Http,
    HttpStatusError,
    ResponseTooLarge,
    RetriesExhausted,
    Throttle,
    Validators,
    system_resolver,
)

URL = "https://api.example.com/items"


def test_user_agent_names_repwatch_its_version_and_url(api: FakeApi, http: Http) -> None:
    api.route("api.example.com", "/items", reply({"ok": True}))
    http.get(URL)
    agent = api.requests[0].headers["user-agent"]
    assert agent.startswith("repwatch/0.1.0 (+https://")
    assert "github.com/repwatch/repwatch" in agent


def test_429_waits_as_long_as_retry_after_says(api: FakeApi, http: Http, clock: FakeClock) -> None:
    api.route("api.example.com", "/items",
              reply({"error": "slow down"}, 429, {"Retry-After": "7"}), reply({"ok": True}))
    assert http.get(URL).json() == {"ok": True}
    assert api.times[1] - api.times[0] == 7
    assert clock.sleeps == [7]


def test_retry_after_as_an_http_date(api: FakeApi, http: Http, clock: FakeClock) -> None:
    later = format_datetime(datetime.fromtimestamp(clock.now + 30, UTC), usegmt=True)
    api.route("api.example.com", "/items", reply(b"", 503, {"Retry-After": later}), reply({"ok": 1}))
    http.get(URL)
    assert api.times[1] - api.times[0] == pytest.approx(30, abs=1)


def test_server_errors_back_off_exponentially_with_jitter_then_succeed(
    api: FakeApi, http: Http
) -> None:
    api.route("api.example.com", "/items", reply(b"", 503), reply(b"", 502), reply({"ok": True}))
    assert http.get(URL).json() == {"ok": True}
    first, second = api.times[1] - api.times[0], api.times[2] - api.times[1]
    assert 0.5 <= first <= 1.0
    assert 1.0 <= second <= 2.0


def test_timeouts_are_retried(clock: FakeClock) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(200, json={"ok": True})

    with make_http(handler, clock) as http:
        assert http.get(URL).json() == {"ok": True}
    assert len(calls) == 2


def test_persistent_failure_gives_up_after_the_retries_without_leaking_the_query(
    api: FakeApi, clock: FakeClock
) -> None:
    api.route("api.example.com", "/items", reply(b"", 500))
    with make_http(api, clock, max_retries=3) as http, pytest.raises(RetriesExhausted) as caught:
        http.get(URL, params={"key": "sekrit-api-key"})
    assert len(api.requests) == 4
    assert "failed after 4 attempts: HTTP 500" in str(caught.value)
    assert "sekrit" not in str(caught.value)
    assert caught.value.retriable


def test_the_retry_budget_bounds_a_whole_run(api: FakeApi, clock: FakeClock) -> None:
    api.route("api.example.com", "/items", reply(b"", 503), reply({}), reply(b"", 503), reply({}),
              reply(b"", 503))
    with make_http(api, clock, max_retries=4, retry_budget=2) as http:
        http.get(URL)
        http.get(URL)
        with pytest.raises(RetriesExhausted):
            http.get(URL)
    assert len(api.requests) == 5


def test_a_wait_longer_than_allowed_fails_instead_of_sleeping(
    api: FakeApi, clock: FakeClock
) -> None:
    api.route("api.example.com", "/items", reply(b"", 429, {"Retry-After": "86400"}))
    with make_http(api, clock) as http, pytest.raises(RetriesExhausted, match="wait 86400 s"):
        http.get(URL)
    assert clock.sleeps == []


def test_other_client_errors_are_fatal_at_once(api: FakeApi, http: Http) -> None:
    api.route("api.example.com", "/items", reply({"error": "gone"}, 404))
    with pytest.raises(HttpStatusError) as caught:
        http.get(URL)
    assert caught.value.status_code == 404
    assert not caught.value.retriable
    assert len(api.requests) == 1


@pytest.mark.parametrize(
    ("headers", "expected_wait"),
    [
        ({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "ISO+40"}, 40),  # Mastodon
        ({"RateLimit-Remaining": "0", "RateLimit-Reset": "EPOCH+25"}, 25),  # Bluesky
        ({"x-ratelimit-remaining": "0.0", "x-ratelimit-reset": "12"}, 12),  # Reddit
        ({"x-ratelimit-remaining": "598.0", "x-ratelimit-reset": "12"}, 1),  # quota left: pace only
    ],
)
def test_rate_limit_headers_hold_the_next_request(
    api: FakeApi, http: Http, clock: FakeClock, headers: dict[str, str], expected_wait: float
) -> None:
    start = clock.now
    values = {
        name: value.replace("ISO+40", datetime.fromtimestamp(start + 40, UTC).isoformat())
        .replace("EPOCH+25", str(int(start + 25)))
        for name, value in headers.items()
    }
    api.route("api.example.com", "/items", reply({}, 200, values))
    http.get(URL)
    http.get(URL)
    assert api.times[1] - api.times[0] == pytest.approx(expected_wait, abs=0.01)


def test_a_collector_signal_in_a_200_body_is_retried(api: FakeApi, http: Http) -> None:
    api.route("api.example.com", "/items", reply({"error": "PlayGatewayError"}), reply({"ok": 1}))

    def gateway(response: object) -> Throttle | None:
        return Throttle(retry=True) if b"PlayGatewayError" in response.content else None  # type: ignore[attr-defined]

    assert http.get(URL, throttle=gateway).json() == {"ok": 1}
    assert len(api.requests) == 2


def test_a_body_backoff_delays_the_next_request(api: FakeApi, http: Http) -> None:
    api.route("api.example.com", "/items", reply({"items": [], "backoff": 10}))
    http.get(URL, throttle=lambda response: Throttle(wait=10))
    http.get(URL)
    assert api.times[1] - api.times[0] == 10


def test_requests_to_one_host_are_paced_but_other_hosts_are_not(api: FakeApi, http: Http) -> None:
    api.route("a.example.com", "/", reply({}))
    api.route("b.example.com", "/", reply({}))
    http.get("https://a.example.com/")
    http.get("https://b.example.com/")
    http.get("https://a.example.com/")
    assert api.times == [api.times[0], api.times[0], api.times[0] + 1.0]


def test_conditional_get_sends_validators_and_reports_not_modified(api: FakeApi, http: Http) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        if request.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304)
        return httpx.Response(200, content=b"<rss/>", headers={"ETag": '"v1"',
                                                               "Last-Modified": "Fri, 20 Nov 2026 10:00:00 GMT"})

    api.route("api.example.com", "/items", respond)
    first = http.get(URL)
    assert first.validators == Validators('"v1"', "Fri, 20 Nov 2026 10:00:00 GMT")
    second = http.get(URL, validators=first.validators)
    assert second.not_modified
    assert api.requests[1].headers["if-modified-since"] == "Fri, 20 Nov 2026 10:00:00 GMT"


def test_a_declared_oversize_response_is_refused(api: FakeApi, clock: FakeClock) -> None:
    api.route("api.example.com", "/items", reply(b"x" * 2048))
    with make_http(api, clock, max_response_bytes=1024) as http, pytest.raises(ResponseTooLarge):
        http.get(URL)


def test_a_streamed_oversize_response_is_refused_without_buffering_it(clock: FakeClock) -> None:
    sent = []

    def chunks() -> Iterator[bytes]:
        for _ in range(1000):
            sent.append(1)
            yield b"y" * 1024

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=chunks())  # no Content-Length

    with (
        make_http(handler, clock, max_response_bytes=10 * 1024) as http,
        pytest.raises(ResponseTooLarge, match="larger than 10240"),
    ):
        http.get(URL)
    assert len(sent) < 20


def test_a_compression_bomb_is_refused(api: FakeApi, clock: FakeClock) -> None:
    bomb = gzip.compress(b"\0" * (8 * 2**20))
    assert len(bomb) < 64 * 1024
    api.route("api.example.com", "/items", reply(bomb, headers={"Content-Encoding": "gzip"}))
    with (
        make_http(api, clock, max_response_bytes=2**20) as http,
        pytest.raises(ResponseTooLarge, match="decompresses to more than"),
    ):
        http.get(URL)


def test_compressed_responses_are_decoded(api: FakeApi, http: Http) -> None:
    api.route("api.example.com", "/items",
              reply(gzip.compress(b'{"ok": true}'), headers={"Content-Encoding": "gzip"}))
    assert http.get(URL).json() == {"ok": True}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://0x7f000001/",
        "http://2130706433/",
        "http://127.1:8080/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://100.100.100.200/latest/meta-data/",
        "http://10.1.2.3/",
        "http://192.168.0.1/",
        "http://0.0.0.0/",
        "http://localhost:8000/",
    ],
)
def test_private_loopback_link_local_and_metadata_addresses_are_refused(
    api: FakeApi, clock: FakeClock, url: str
) -> None:
    with make_http(api, clock, resolver=system_resolver) as http, pytest.raises(AddressRefused):
        http.get(url)
    assert api.requests == []


def test_a_name_resolving_to_loopback_is_refused(api: FakeApi, clock: FakeClock) -> None:
    def resolver(host: str, port: int) -> list[str]:
        return {"feeds.example.net": [PUBLIC_IP, "127.0.0.1"]}.get(host, [PUBLIC_IP])

    with (
        make_http(api, clock, resolver=resolver) as http,
        pytest.raises(AddressRefused, match=r"feeds\.example\.net is 127\.0\.0\.1"),
    ):
        http.get("https://feeds.example.net/rss")
    assert api.requests == []


def test_a_redirect_to_loopback_is_refused(api: FakeApi, http: Http) -> None:
    api.route("feeds.example.com", "/rss",
              reply(b"", 302, {"Location": "http://127.0.0.1:2375/containers/json"}))
    with pytest.raises(AddressRefused, match="127.0.0.1"):
        http.get("https://feeds.example.com/rss")
    assert len(api.requests) == 1


def test_non_http_schemes_are_refused(http: Http) -> None:
    for url in ("file:///etc/passwd", "ftp://example.com/x"):
        with pytest.raises(AddressRefused, match="only http and https"):
            http.get(url)


def test_connections_go_to_the_checked_address_with_the_name_kept(api: FakeApi, http: Http) -> None:
    api.route("feeds.example.com:8443", "/rss", reply(b"ok"))
    http.get("https://feeds.example.com:8443/rss")
    request = api.requests[0]
    assert request.url.host == PUBLIC_IP
    assert request.headers["host"] == "feeds.example.com:8443"
    assert request.extensions["sni_hostname"] == "feeds.example.com"


def test_redirects_are_followed_and_credentials_stay_on_their_host(api: FakeApi, http: Http) -> None:
    api.route("api.example.com", "/old", reply(b"", 301, {"Location": "/new"}))
    api.route("api.example.com", "/new", reply(b"", 302, {"Location": "https://cdn.example.org/file"}))
    api.route("cdn.example.org", "/file", reply({"ok": True}))
    response = http.get("https://api.example.com/old", headers={"Authorization": "Bearer t0ken"})
    assert response.json() == {"ok": True}
    assert response.url == "https://cdn.example.org/file"
    assert [r.headers.get("authorization") for r in api.requests] == ["Bearer t0ken", "Bearer t0ken", None]


def test_a_redirect_loop_is_cut_off(api: FakeApi, http: Http) -> None:
    api.route("api.example.com", "/loop", reply(b"", 302, {"Location": "/loop"}))
    with pytest.raises(Exception, match="more than 5 redirects"):
        http.get("https://api.example.com/loop")
    assert len(api.requests) == 6


def test_allowing_private_hosts_reaches_a_real_local_server(clock: FakeClock) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = gzip.compress(b'{"served": "locally"}')
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/x"
    try:
        from collector.http import HttpSettings, build_http

        with build_http(HttpSettings(allow_private_hosts=True), clock=clock) as http:
            assert http.get(url).json() == {"served": "locally"}
        with build_http(HttpSettings(), clock=clock) as http, pytest.raises(AddressRefused):
            http.get(url)
    finally:
        server.shutdown()
        server.server_close()
