"""Collector test kit: recorded-shape payloads served through `httpx.MockTransport`, a fake
clock so no test really sleeps, and a resolver that places every host on one public address
(so the SSRF guard and address pinning run in every collector test)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from collector.base import Batch, Collector
from collector.http import Http, HttpSettings, build_http
from collector.mention import Mention

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PUBLIC_IP = "151.101.1.140"
SINCE = datetime(2026, 11, 1, tzinfo=UTC)

Responder = Callable[[httpx.Request], httpx.Response]


class FakeClock:
    """Time that moves only when someone sleeps."""

    def __init__(self, start: float = 1_795_700_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def reply(body: bytes | str | Any = b"", status: int = 200, headers: dict[str, str] | None = None,
          content_type: str = "application/json") -> Responder:
    if isinstance(body, str):
        body = body.encode()
    elif not isinstance(body, bytes):
        body = json.dumps(body).encode()
    payload = body

    def respond(request: httpx.Request) -> httpx.Response:
        # A stream, as a real transport hands over: httpx reads `content=` bytes eagerly.
        return httpx.Response(status, stream=httpx.ByteStream(payload), headers={
            "content-type": content_type, "content-length": str(len(payload)), **(headers or {})})

    return respond


def fixture_reply(source: str, name: str, **kwargs: Any) -> Responder:
    return reply((FIXTURES / source / name).read_bytes(), **kwargs)


class FakeApi:
    """Answers by (Host header, path), the way the real services are addressed.

    Each route holds responders used in turn (the last one repeats); every request is kept
    with the fake clock's time when it arrived.
    """

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.routes: dict[tuple[str, str], list[Responder]] = {}
        self.requests: list[httpx.Request] = []
        self.times: list[float] = []

    def route(self, host: str, path: str, *responders: Responder) -> None:
        self.routes[(host, path)] = list(responders)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        self.times.append(self.clock.time())
        queue = self.routes.get((request.headers["host"], request.url.path))
        if not queue:
            return httpx.Response(404, json={"error": "no such route in the test"})
        responder = queue.pop(0) if len(queue) > 1 else queue[0]
        return responder(request)

    def params(self, index: int = -1) -> dict[str, str]:
        return dict(self.requests[index].url.params)


def public_resolver(host: str, port: int) -> list[str]:
    return [PUBLIC_IP]


def make_http(handler: Callable[[httpx.Request], httpx.Response], clock: FakeClock,
              **settings: Any) -> Http:
    resolver = settings.pop("resolver", public_resolver)
    options: dict[str, Any] = {"min_seconds_between_requests": 1.0, **settings}
    return build_http(HttpSettings(**options), transport=httpx.MockTransport(handler), clock=clock,
                      resolver=resolver, rng=random.Random(7))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def api(clock: FakeClock) -> FakeApi:
    return FakeApi(clock)


@pytest.fixture
def http(api: FakeApi, clock: FakeClock) -> Iterator[Http]:
    with make_http(api, clock) as client:
        yield client


@dataclass
class Collected:
    batches: list[Batch] = field(default_factory=list)

    @property
    def mentions(self) -> list[Mention]:
        return [mention for batch in self.batches for mention in batch.mentions]

    @property
    def ids(self) -> list[str]:
        return [mention.external_id for mention in self.mentions]

    @property
    def skipped(self) -> int:
        return sum(batch.skipped for batch in self.batches)

    @property
    def notes(self) -> list[str]:
        return [note for batch in self.batches for note in batch.notes]

    @property
    def cursor(self) -> dict[str, Any] | None:
        """The last cursor a batch carried: what the runner would have saved."""
        saved = None
        for batch in self.batches:
            if batch.cursor is not None:
                saved = batch.cursor
        return saved


def collect(collector: Collector, http: Http, cursor: dict[str, Any] | None = None,
            since: datetime = SINCE) -> Collected:
    return Collected(list(collector.fetch(http, cursor, since)))


@pytest.fixture
def run() -> Callable[..., Collected]:
    return collect
