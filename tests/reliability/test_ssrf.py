"""Nobody gets in where they don't belong: user-supplied URLs (feeds, instances, service URLs)
can neither be, nor redirect to, a private, loopback, link-local or metadata address, in any
spelling, after any number of hops, or by answering DNS differently the second time.

All sources run through the real runner with the production setting (private hosts refused).
The HTTP client gets a transport that answers like the internet would, and a resolver that
places each name on the address the case needs; the client connects to the address it
checked, so every request that reaches the transport shows where it really went.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from pathlib import Path

import httpx
import pytest
from reliability_kit import FakeClock, config_text

from collector.http import build_http
from repwatch.collect import Collection, SourceRun, http_settings
from repwatch.config import SourceConfig, parse_config
from storage.db import Database

PUBLIC = "151.101.1.140"
NAMES = {
    "metadata.google.internal": ["169.254.169.254"],
    "localhost": ["127.0.0.1", "::1"],
    "intranet.example.com": ["192.168.1.10"],
    "mixed.example.com": [PUBLIC, "10.1.2.3"],  # one bad answer among good ones is enough
}
FEED = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>ok</title>'
        b"<item><title>Acme</title><guid>ok-1</guid><pubDate>Mon, 16 Nov 2026 10:00:00 GMT</pubDate>"
        b"<description>Acme is fine</description></item></channel></rss>")

# Where a public feed redirects to, and what the refusal must name.
REDIRECT_TARGETS = {
    "aws-metadata": ("http://169.254.169.254/latest/meta-data/iam/security-credentials/", "169.254.169.254"),
    "aws-metadata-ipv6": ("http://[fd00:ec2::254]/latest/meta-data/", "fd00:ec2::254"),
    "gcp-metadata-name": ("http://metadata.google.internal/computeMetadata/v1/", "169.254.169.254"),
    "alibaba-metadata": ("http://100.100.100.200/latest/meta-data/", "100.100.100.200"),
    "hex-loopback": ("http://0x7f000001:2375/containers/json", "127.0.0.1"),
    "decimal-loopback": ("http://2130706433/", "127.0.0.1"),
    "short-loopback": ("http://127.1:6379/", "127.0.0.1"),
    "mapped-loopback": ("http://[::ffff:127.0.0.1]/", "::ffff:7f00:1"),
    "ipv6-loopback": ("http://[::1]:9200/", "::1"),
    "localhost": ("http://localhost:9200/_cat/indices", "127.0.0.1"),
    "unspecified": ("http://0.0.0.0:8080/", "0.0.0.0"),  # noqa: S104 - a URL, not a bind
    "private-10": ("http://10.0.0.5/admin", "10.0.0.5"),
    "intranet-name": ("http://intranet.example.com/", "192.168.1.10"),
    "one-bad-answer": ("http://mixed.example.com/", "10.1.2.3"),
    "nat64-metadata": ("http://[64:ff9b::a9fe:a9fe]/latest/meta-data/", "64:ff9b::a9fe:a9fe"),
    "local-nat64": ("http://[64:ff9b:1::a9fe:a9fe]/", "64:ff9b:1::a9fe:a9fe"),
    "ipv4-compatible": ("http://[::a9fe:a9fe]/", "::a9fe:a9fe"),
    "ipv4-translated": ("http://[::ffff:0:a9fe:a9fe]/", "::ffff:0:a9fe:a9fe"),
    "userinfo-trick": ("http://feeds.example.com@127.0.0.1/", "127.0.0.1"),
    "scheme-relative": ("//169.254.169.254/latest/meta-data/", "169.254.169.254"),
    "file": ("file:///etc/passwd", "only http and https"),
    "gopher": ("gopher://127.0.0.1:6379/_INFO", "only http and https"),
}


class Internet:
    """Answers like the public services would; keeps every request it is sent."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.lookups: Counter[str] = Counter()

    def resolve(self, host: str, port: int) -> list[str]:
        self.lookups[host] += 1
        if host == "rebind.example.com":  # public when checked first, loopback the next time
            return [PUBLIC] if self.lookups[host] == 1 else ["127.0.0.1"]
        return NAMES.get(host, [PUBLIC])

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        host, path = request.headers["host"], request.url.path
        name = path.strip("/").removesuffix(".xml")
        if host == "feeds.example.com" and name in REDIRECT_TARGETS:
            return httpx.Response(302, headers={"Location": REDIRECT_TARGETS[name][0]})
        if host == "feeds.example.com" and name == "two-hops":
            return httpx.Response(301, headers={"Location": "https://cdn.example.net/mirror.xml"})
        if host == "cdn.example.net":
            return httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/user-data"})
        if host == "rebind.example.com" and name == "first":
            return httpx.Response(302, headers={"Location": "/second.xml"})
        if host == "good.example.com":
            return httpx.Response(200, content=FEED, headers={"Content-Type": "application/rss+xml"})
        return httpx.Response(404)


@pytest.fixture
def internet() -> Internet:
    return Internet()


def run(tmp_path: Path, internet: Internet, sources: list[dict]) -> dict[str, SourceRun]:
    env = {"BSKY_PASSWORD": "app-password-1234"}
    config = parse_config(config_text(f"sqlite:///{tmp_path / 'ssrf.db'}", sources, allow_private_hosts=False),
                          env=env)
    database = Database(config.database.url)
    database.upgrade()

    def factory(source: SourceConfig) -> object:
        return build_http(http_settings(config.network), transport=httpx.MockTransport(internet),
                          clock=FakeClock(), resolver=internet.resolve)

    try:
        runs = Collection(database, config, http_factory=factory, env=env).run_all()  # type: ignore[arg-type]
    finally:
        database.dispose()
    return {run.name: run for run in runs}


def feed_source(name: str, url: str) -> dict:
    return {"name": name, "kind": "rss", "params": {"urls": [url]}}


def assert_only_public_addresses_were_contacted(internet: Internet) -> None:
    contacted = {request.url.host for request in internet.requests}
    assert contacted == {PUBLIC}, contacted
    assert all(ipaddress.ip_address(host).is_global for host in contacted)


def test_redirects_to_private_addresses_are_refused_in_every_spelling(tmp_path: Path, internet: Internet) -> None:
    sources = [feed_source(name, f"https://feeds.example.com/{name}.xml") for name in REDIRECT_TARGETS]
    sources.append(feed_source("neighbour", "https://good.example.com/feed.xml"))
    runs = run(tmp_path, internet, sources)

    for name, (_, named) in REDIRECT_TARGETS.items():
        error = runs[name].error
        assert error is not None, f"{name}: the redirect was followed"
        assert error.startswith(f"source {name}: ") and "refusing" in error and named in error, error
        assert runs[name].retriable is False
    assert runs["neighbour"].ok and runs["neighbour"].new == 1
    hosts = Counter(request.headers["host"] for request in internet.requests)
    assert hosts == {"feeds.example.com": len(REDIRECT_TARGETS), "good.example.com": 1}  # no second hop
    assert_only_public_addresses_were_contacted(internet)


def test_the_check_holds_after_several_hops_and_when_dns_changes_its_answer(
    tmp_path: Path, internet: Internet
) -> None:
    runs = run(tmp_path, internet, [
        feed_source("two-hops", "https://feeds.example.com/two-hops.xml"),
        feed_source("rebinding", "http://rebind.example.com/first.xml"),
        feed_source("neighbour", "https://good.example.com/feed.xml"),
    ])
    assert runs["two-hops"].error is not None and "169.254.169.254" in runs["two-hops"].error
    assert runs["rebinding"].error is not None
    assert "rebind.example.com is 127.0.0.1" in runs["rebinding"].error
    assert internet.lookups["rebind.example.com"] == 2  # checked again on the second hop
    assert runs["neighbour"].ok
    paths = [(request.headers["host"], request.url.path) for request in internet.requests]
    assert sorted(paths) == sorted([("feeds.example.com", "/two-hops.xml"), ("cdn.example.net", "/mirror.xml"),
                                    ("rebind.example.com", "/first.xml"), ("good.example.com", "/feed.xml")])
    assert_only_public_addresses_were_contacted(internet)


def test_private_addresses_given_directly_as_feed_instance_or_service_urls_are_refused(
    tmp_path: Path, internet: Internet
) -> None:
    runs = run(tmp_path, internet, [
        feed_source("feed-on-loopback", "http://0x7f000001/feed.xml"),
        {"name": "instance-on-metadata", "kind": "mastodon", "params": {"instances": ["http://169.254.169.254"]}},
        {"name": "pds-on-loopback", "kind": "bluesky", "params": {
            "identifier": "acme.bsky.social", "app_password_env": "BSKY_PASSWORD", "service_url": "http://[::1]:2583"}},
        {"name": "mirror-on-intranet", "kind": "hacker_news", "params": {"base_url": "http://intranet.example.com"}},
        feed_source("neighbour", "https://good.example.com/feed.xml"),
    ])
    expected = {"feed-on-loopback": "127.0.0.1", "instance-on-metadata": "169.254.169.254",
                "pds-on-loopback": "::1", "mirror-on-intranet": "192.168.1.10"}
    for name, named in expected.items():
        error = runs[name].error
        assert error is not None and "refusing" in error and named in error, error
        assert "app-password-1234" not in error
    assert runs["neighbour"].ok
    assert [request.headers["host"] for request in internet.requests] == ["good.example.com"]
