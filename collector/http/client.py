"""The one HTTP client every collector uses.

It retries 429, 5xx and timeouts with exponential backoff and jitter (honouring Retry-After,
rate-limit headers and a collector's own body signal), paces requests per host, sends
conditional GETs, caps body sizes while streaming, and checks every URL it connects to,
redirects included, against private and metadata addresses.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

import httpx

from collector.errors import FatalError, RetriableError
from collector.http.body import ResponseTooLarge, read_capped
from collector.http.deadline import Watchdog
from collector.http.guard import AddressGuard, Resolver, Target, system_resolver
from collector.http.pacing import Clock, HostPacer, SystemClock, host_key, quota_reset, retry_after

log = logging.getLogger(__name__)

PROJECT_URL = "https://github.com/repwatch/repwatch"
REDIRECTS = frozenset({301, 302, 303, 307, 308})


def user_agent() -> str:
    try:
        release = version("repwatch")
    except PackageNotFoundError:
        release = "unknown"
    return f"repwatch/{release} (+{PROJECT_URL})"


def describe(url: httpx.URL | str) -> str:
    """A URL for messages: without its query string, which may carry an API key."""
    try:
        parsed = httpx.URL(str(url))
    except httpx.InvalidURL:
        return "(invalid URL)"
    return f"{parsed.scheme}://{parsed.netloc.decode('ascii', 'replace')}{parsed.path}"


@dataclass(frozen=True)
class HttpSettings:
    timeout_seconds: float = 20.0
    max_retries: int = 4
    retry_budget: int = 20  # retries allowed across one source run, all requests together
    max_response_bytes: int = 20 * 2**20
    min_seconds_between_requests: float = 1.0
    allow_private_hosts: bool = False
    backoff_base_seconds: float = 1.0
    backoff_cap_seconds: float = 60.0
    max_wait_seconds: float = 900.0  # a server asking for a longer pause fails the run instead
    max_redirects: int = 5
    request_deadline_seconds: float = 60.0  # one exchange, however slowly its bytes arrive
    run_deadline_seconds: float = 600.0  # every request of one source run together, waits included


@dataclass(frozen=True)
class Validators:
    """What a server said about a resource's version, for the next conditional GET."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True)
class Throttle:
    """A collector's reading of a source-specific throttle signal in a response.

    `retry`: the response is a refusal to try again (e.g. a 200 that carries an error).
    `wait`: seconds before the next request to this host.
    """

    retry: bool = False
    wait: float | None = None


@dataclass
class Response:
    status_code: int
    url: str
    headers: httpx.Headers
    content: bytes

    @property
    def not_modified(self) -> bool:
        return self.status_code == 304

    @property
    def validators(self) -> Validators:
        return Validators(self.headers.get("etag"), self.headers.get("last-modified"))

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        try:
            return json.loads(self.content)
        except RecursionError:
            raise FatalError(f"{describe(self.url)}: the JSON is nested too deeply to read") from None
        except ValueError as exc:
            kind = self.headers.get("content-type") or "no Content-Type"
            raise FatalError(
                f"{describe(self.url)}: the response is not JSON ({kind[:100]}, {len(self.content)} bytes)"
            ) from exc


ThrottleCheck = Callable[[Response], Throttle | None]


class HttpStatusError(FatalError):
    """A 4xx answer other than 429 (or a redirect without a Location): retrying will not help."""

    def __init__(self, method: str, response: Response) -> None:
        self.response = response
        self.status_code = response.status_code
        super().__init__(f"{method} {describe(response.url)} answered HTTP {response.status_code}")


class RetriesExhausted(RetriableError):
    """Still throttled or failing after the retries this run allows."""


class DeadlineExceeded(RetriableError):
    """A request, or the source run as a whole, took longer than its wall-clock deadline."""


class Http:
    """Requests for one source run. Share one `HostPacer` between runs to pace hosts globally."""

    def __init__(
        self,
        client: httpx.Client,
        settings: HttpSettings,
        *,
        pacer: HostPacer | None = None,
        clock: Clock | None = None,
        resolver: Resolver = system_resolver,
        rng: random.Random | None = None,
    ) -> None:
        self.client = client
        self.settings = settings
        self.clock = clock or SystemClock()
        self.pacer = pacer or HostPacer(settings.min_seconds_between_requests, self.clock)
        self.guard = AddressGuard(settings.allow_private_hosts, resolver)
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self.retries_used = 0
        self.run_deadline = time.monotonic() + settings.run_deadline_seconds

    def __enter__(self) -> Http:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        validators: Validators | None = None,
        throttle: ThrottleCheck | None = None,
    ) -> Response:
        merged = {**(validators.headers() if validators else {}), **(headers or {})}
        return self.request("GET", url, params=params, headers=merged, throttle=throttle)

    def post(
        self,
        url: str,
        *,
        form: Mapping[str, str] | None = None,
        json_body: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        throttle: ThrottleCheck | None = None,
    ) -> Response:
        merged = dict(headers or {})
        content = None
        if form is not None:
            content = urlencode(form).encode()
            merged["Content-Type"] = "application/x-www-form-urlencoded;charset=utf-8"
        elif json_body is not None:
            content = json.dumps(json_body).encode()
            merged["Content-Type"] = "application/json"
        return self.request(
            "POST", url, params=params, headers=merged, content=content, throttle=throttle
        )

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        throttle: ThrottleCheck | None = None,
    ) -> Response:
        """The response (2xx, or 304 to a conditional GET), or a CollectorError."""
        try:
            target = httpx.URL(url).copy_merge_params(params) if params else httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise FatalError(f"invalid URL {describe(url)}: {exc}") from exc
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._follow(method, target, httpx.Headers(headers or {}), content)
            except httpx.TimeoutException:
                reason, wait = "timed out", None
            except httpx.TransportError as exc:
                detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
                reason = f"connection failed ({type(exc).__name__}{': ' + detail if detail else ''})"
                wait = None
            else:
                retry = self._judge(method, response, throttle)
                if retry is None:
                    return response
                reason, wait = retry
            self._pause_before_retry(method, target, attempt, reason, wait)

    def _judge(
        self, method: str, response: Response, throttle: ThrottleCheck | None
    ) -> tuple[str, float | None] | None:
        """None for a usable response; (reason, seconds to wait or None) to retry; or raise."""
        now = self.clock.time()
        host = host_key(httpx.URL(response.url))
        reset = quota_reset(response.headers, now)
        if reset is not None:
            self.pacer.hold(host, reset)
        signal = throttle(response) if throttle else None
        if signal and signal.wait and not signal.retry:
            self.pacer.hold(host, now + signal.wait)
        status = response.status_code
        if status == 429 or status >= 500 or (signal and signal.retry):
            reason = f"HTTP {status}" if status >= 400 else f"HTTP {status} with a throttle signal"
            wait = _first(
                signal.wait if signal and signal.retry else None,
                retry_after(response.headers, now),
                reset - now if reset is not None else None,
            )
            return reason, wait
        if status >= 400 or (300 <= status < 400 and status != 304):
            raise HttpStatusError(method, response)
        return None

    def _pause_before_retry(
        self, method: str, url: httpx.URL, attempt: int, reason: str, wait: float | None
    ) -> None:
        what = f"{method} {describe(url)}"
        if attempt > self.settings.max_retries or self.retries_used >= self.settings.retry_budget:
            raise RetriesExhausted(f"{what} failed after {attempt} attempts: {reason}")
        delay = wait if wait is not None else self._backoff(attempt)
        if delay > self.settings.max_wait_seconds:
            raise RetriesExhausted(f"{what}: {reason}, and the server asks us to wait {delay:.0f} s")
        self.retries_used += 1
        log.info("%s: %s; retrying in %.1f s", what, reason, delay)
        self.pacer.hold(host_key(url), self.clock.time() + delay)

    def _backoff(self, attempt: int) -> float:
        base = self.settings.backoff_base_seconds * 2 ** (attempt - 1)
        return min(self.settings.backoff_cap_seconds, base) * (0.5 + self.rng.random() / 2)

    def _wait_for_slot(self, url: httpx.URL) -> None:
        delay = self.pacer.reserve(host_key(url))
        if delay > self.settings.max_wait_seconds:
            raise RetriesExhausted(f"{url.host} asks us to wait {delay:.0f} s before the next request")
        if delay > max(0.0, self.run_deadline - time.monotonic()):
            raise DeadlineExceeded(f"{url.host} asks us to wait {delay:.0f} s, past {self._run_limit()}")
        if delay > 0:
            self.clock.sleep(delay)

    def _follow(
        self, method: str, url: httpx.URL, headers: httpx.Headers, content: bytes | None
    ) -> Response:
        """One attempt: send, following redirects one hop at a time, each hop checked."""
        for _ in range(self.settings.max_redirects + 1):
            target = self.guard.check(url)
            self._wait_for_slot(url)
            with self._deadline(method, url) as watchdog:
                response = self.client.send(
                    self._build(method, target, headers, content, watchdog), stream=True
                )
                try:
                    location = response.headers.get("location")
                    if response.status_code in REDIRECTS and location:
                        log.debug("%s %s -> %s", method, describe(url), response.status_code)
                        next_url = _join(url, location)
                        if response.status_code == 303 or (
                            response.status_code in (301, 302) and method == "POST"
                        ):
                            method, content = "GET", None
                            headers.pop("content-type", None)
                        if _origin(next_url) != _origin(url):
                            headers.pop("authorization", None)
                        url = next_url
                        continue
                    body = self._read(method, url, response, watchdog)
                finally:
                    response.close()
            log.debug("%s %s -> %s (%d bytes)", method, describe(url), response.status_code, len(body))
            return Response(response.status_code, str(url), response.headers, body)
        raise FatalError(f"{method} {describe(url)}: more than {self.settings.max_redirects} redirects")

    def _run_limit(self) -> str:
        seconds = self.settings.run_deadline_seconds
        return f"the source run's {seconds:g} s deadline (network.source_deadline_seconds)"

    @contextmanager
    def _deadline(self, method: str, url: httpx.URL) -> Iterator[Watchdog]:
        """One exchange under the request deadline, or what is left of the run's if less."""
        what = f"{method} {describe(url)}"
        left = self.run_deadline - time.monotonic()
        if left < self.settings.request_deadline_seconds:
            limit = f"stopped at {self._run_limit()}"
        else:
            seconds = self.settings.request_deadline_seconds
            limit = f"no complete answer within {seconds:g} s (network.request_deadline_seconds)"
        if left <= 0:
            raise DeadlineExceeded(f"{what}: {limit}")
        watchdog = Watchdog(min(left, self.settings.request_deadline_seconds))
        try:
            yield watchdog
        except httpx.TransportError as exc:
            if watchdog.expired():
                raise DeadlineExceeded(f"{what}: {limit}") from exc
            raise
        finally:
            watchdog.cancel()

    def _build(
        self,
        method: str,
        target: Target,
        headers: httpx.Headers,
        content: bytes | None,
        watchdog: Watchdog,
    ) -> httpx.Request:
        url = target.url
        extensions: dict[str, Any] = {"trace": watchdog.trace}
        headers = httpx.Headers(headers)
        if target.address is not None:
            # Connect to the address we checked; keep the name for Host and TLS.
            headers["Host"] = url.netloc.decode("ascii")
            if url.scheme == "https":
                extensions["sni_hostname"] = url.host
            url = url.copy_with(host=target.address)
        return self.client.build_request(
            method, url, headers=headers, content=content, extensions=extensions
        )

    def _read(
        self, method: str, url: httpx.URL, response: httpx.Response, watchdog: Watchdog
    ) -> bytes:
        what = f"{method} {describe(url)}"
        limit = self.settings.max_response_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise ResponseTooLarge(f"{what}: response of {declared} bytes is larger than {limit} bytes")
        if response.is_stream_consumed:  # a transport that already read (and decoded) the body
            if len(response.content) > limit:
                raise ResponseTooLarge(f"{what}: response is larger than {limit} bytes")
            return response.content

        def check_deadline() -> None:
            if watchdog.expired():
                raise httpx.ReadTimeout(f"{what}: the body took too long to arrive")

        return read_capped(
            response.iter_raw(), response.headers.get("content-encoding", ""), limit, what,
            check_deadline,
        )


def _join(url: httpx.URL, location: str) -> httpx.URL:
    try:
        return url.join(location)
    except httpx.InvalidURL as exc:
        raise FatalError(f"{describe(url)} redirects to an invalid URL") from exc


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


def _first(*values: float | None) -> float | None:
    return next((value for value in values if value is not None), None)


def build_http(
    settings: HttpSettings,
    *,
    transport: httpx.BaseTransport | None = None,
    pacer: HostPacer | None = None,
    clock: Clock | None = None,
    resolver: Resolver = system_resolver,
    rng: random.Random | None = None,
) -> Http:
    """The client every collector gets: timeouts, a User-Agent naming repwatch, no redirects
    followed by httpx itself (we follow and check each hop), no proxy settings from the
    environment (so the address checks stay meaningful), and no connection kept alive
    between requests (so each request's deadline knows the socket it may shut)."""
    client = httpx.Client(
        timeout=settings.timeout_seconds,
        headers={"User-Agent": user_agent(), "Accept-Encoding": "gzip, deflate"},
        follow_redirects=False,
        trust_env=False,
        limits=httpx.Limits(max_keepalive_connections=0),
        transport=transport,
    )
    return Http(client, settings, pacer=pacer, clock=clock, resolver=resolver, rng=rng)
