"""What every imitated API shares: the request and reply, and the catalog of placed items."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from repwatch.demo.data import DemoItem, PlacedItem, place


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # names in lower case
    body: bytes
    base_url: str
    raw_query: str = ""

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Reply:
    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


class BadRequest(Exception):
    """The request is malformed; each API turns it into its own error shape."""


def json_reply(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Reply(status, body, "application/json; charset=utf-8", dict(headers or {}))


def text_reply(text: str, status: int) -> Reply:
    return Reply(status, text.encode("utf-8"))


def parse_int(value: str | None, name: str, default: int, low: int, high: int) -> int:
    """An integer query parameter within [low, high], or BadRequest naming it."""
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError as exc:
        raise BadRequest(f"{name} must be an integer, not {value!r}") from exc
    if not low <= number <= high:
        raise BadRequest(f"{name} must be between {low} and {high}, not {number}")
    return number


def iso_z(moment: datetime, milliseconds: bool = True) -> str:
    """UTC time as 2024-05-01T10:22:33.000Z (or without the milliseconds)."""
    text = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if milliseconds:
        text += f".{moment.microsecond // 1000:03d}"
    return text + "Z"


def stable_number(text: str, digits: int) -> int:
    """A number of `digits` digits derived from text, the same on every run."""
    value = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
    return 10 ** (digits - 1) + value % (9 * 10 ** (digits - 1))


class Catalog:
    """The demo items placed around `now`, and the moment before which the APIs show them.

    `visible_before` starts at `now`; setting it earlier hides the newest items, so a test
    can collect, move the clock forward, and check that only the new items come back.
    """

    def __init__(self, items: Sequence[DemoItem], now: datetime) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        self.now = now.astimezone(UTC)
        self._visible_before = self.now
        self._lock = threading.Lock()
        self._by_source: dict[str, list[PlacedItem]] = defaultdict(list)
        for placed in place(items, self.now):
            self._by_source[placed.item.source].append(placed)

    @property
    def visible_before(self) -> datetime:
        with self._lock:
            return self._visible_before

    @visible_before.setter
    def visible_before(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("visible_before must be timezone-aware")
        with self._lock:
            self._visible_before = min(moment.astimezone(UTC), self.now)

    def visible(self, source: str) -> list[PlacedItem]:
        """The source's items published before `visible_before`, newest first."""
        cutoff = self.visible_before
        return [p for p in self._by_source[source] if p.published_at < cutoff]

    def is_visible(self, moment: datetime) -> bool:
        return moment < self.visible_before
