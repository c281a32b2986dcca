"""Clocks, per-host pacing and the throttle signals servers send in headers."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Protocol

import httpx

EPOCH_THRESHOLD = 1_000_000_000  # a reset value larger than this is an epoch time, not a delay


class Clock(Protocol):
    def time(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class HostPacer:
    """Spaces requests to one host at least `interval` seconds apart, across threads.

    `hold` pushes a host's next slot later when a server asks us to wait (Retry-After,
    an exhausted rate-limit window, a body `backoff`).
    """

    def __init__(self, interval: float, clock: Clock) -> None:
        self.interval = interval
        self.clock = clock
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def reserve(self, host: str) -> float:
        """Take the host's next slot; returns how long to wait for it."""
        with self._lock:
            now = self.clock.time()
            start = max(now, self._next.get(host, now))
            self._next[host] = start + self.interval
            return start - now

    def hold(self, host: str, until: float) -> None:
        with self._lock:
            self._next[host] = max(self._next.get(host, 0.0), until)


def host_key(url: httpx.URL) -> str:
    """Pacing key: host and port, so two local test servers are paced apart."""
    return f"{url.host}:{url.port or (443 if url.scheme == 'https' else 80)}"


def retry_after(headers: httpx.Headers, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delay or HTTP date), if present and valid."""
    value = headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError, IndexError):
        return None


def _reset_time(value: str, now: float) -> float | None:
    try:
        number = float(value)
    except ValueError:
        pass
    else:
        return number if number > EPOCH_THRESHOLD else now + number
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.timestamp() if moment.tzinfo else None


def quota_reset(headers: httpx.Headers, now: float) -> float | None:
    """When a used-up rate-limit window reopens (epoch seconds), or None if quota remains.

    Reddit sends `x-ratelimit-reset` as seconds, Mastodon `X-RateLimit-Reset` as an ISO time
    and Bluesky `RateLimit-Reset` as epoch seconds; the value's form tells them apart.
    """
    for prefix in ("x-ratelimit-", "ratelimit-"):
        remaining, reset = headers.get(prefix + "remaining"), headers.get(prefix + "reset")
        if remaining is None or reset is None:
            continue
        try:
            if float(remaining) >= 1:
                continue
        except ValueError:
            continue
        return _reset_time(reset, now)
    return None
