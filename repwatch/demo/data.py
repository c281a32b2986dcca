"""The bundled demo data set: loading it, and placing it in time around the demo's `now`.

Items are stored with relative times so that the twelve weeks always end at the demo's
`now`: week 12 is the last full ISO week (Monday to Monday, UTC) before `now`, and the
"tail" items continue from there up to `now`. Each item carries `planted_themes` and
`planted_sentiment`, what the generator meant to write; tests use them as ground truth,
the real pipeline never reads them (the server does not serve them).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

BRAND = {
    "name": "Tidewell Mobile",
    "keywords": ["Tidewell"],
    "hashtags": ["tidewell"],
    "apple_app_ids": ["1587204316"],
    "google_play_ids": ["com.tidewellmobile.app"],
}
# The competitor the demo compares Tidewell with: its app reviews only (App Store US, Google Play).
COMPETITOR = {
    "name": "Harbourline Mobile",
    "competitor_of": ["Tidewell Mobile"],
    "keywords": ["Harbourline"],
    "apple_app_ids": ["1620457381"],
    "google_play_ids": ["com.harbourline.mobile"],
}
APPLE_COUNTRIES = ("us", "gb")
SOURCES = ("apple_app_store", "google_play", "hacker_news", "rss", "mastodon", "bluesky")
WEEKS = 12
VENDOR_CHANGE_WEEK = 10
DATA_FILE = "mentions.jsonl.gz"

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class DemoItem:
    """One stored mention of the demo data set, before it is placed in time.

    Exactly one timing is set: `week` (1-12) with `week_second` (seconds after that week's
    Monday 00:00 UTC), or `seconds_before_now` for the tail that runs into the demo's
    current week. Tail items that are not part of the final `surge` show only when they
    fall inside the current week, so week 12 keeps its own count whatever weekday `now` is.
    `extra` holds source-specific fields (store country, app version, thread, account...).
    `brand` is None for the demo brand's items, else the competitor's name.
    """

    source: str
    id: str
    author: str
    text: str
    language: str
    planted_sentiment: str
    planted_themes: tuple[str, ...] = ()
    title: str | None = None
    rating: int | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    week: int | None = None
    week_second: int | None = None
    seconds_before_now: int | None = None
    surge: bool = False
    brand: str | None = None

    def __post_init__(self) -> None:
        weekly = self.week is not None and self.week_second is not None
        if weekly == (self.seconds_before_now is not None):
            raise ValueError(f"demo item {self.source}/{self.id}: set week or seconds_before_now")
        if weekly and not (1 <= self.week <= WEEKS and 0 <= self.week_second < WEEK.total_seconds()):  # type: ignore[operator]
            raise ValueError(f"demo item {self.source}/{self.id}: week or week_second out of range")

    def to_json(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "source": self.source,
            "id": self.id,
            "author": self.author,
            "title": self.title,
            "text": self.text,
            "rating": self.rating,
            "language": self.language,
            "metrics": self.metrics,
            "extra": self.extra,
        }
        if self.week is not None:
            record["week"] = self.week
            record["week_second"] = self.week_second
        else:
            record["seconds_before_now"] = self.seconds_before_now
            record["surge"] = self.surge
        record["planted_themes"] = list(self.planted_themes)
        record["planted_sentiment"] = self.planted_sentiment
        if self.brand is not None:  # absent for the brand's own items, as before competitors
            record["brand"] = self.brand
        return record

    def app_ids(self, store: str) -> list[str]:
        """The ids under which an app store serves this review ("apple_app_ids", ...)."""
        owner = BRAND if self.brand is None else COMPETITOR
        return list(owner[store])

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> DemoItem:
        values = dict(record)
        values["planted_themes"] = tuple(values.get("planted_themes", ()))
        return cls(**values)


@dataclass(frozen=True)
class PlacedItem:
    """A demo item with its publication time for one particular `now`."""

    item: DemoItem
    published_at: datetime


def current_week_start(now: datetime) -> datetime:
    """Monday 00:00 UTC of the ISO week holding `now`: the end of demo week 12."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    moment = now.astimezone(UTC)
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight - timedelta(days=moment.weekday())


def week_start(week: int, now: datetime) -> datetime:
    """Monday 00:00 UTC that opens demo week `week` (1-12) for this `now`."""
    return current_week_start(now) - (WEEKS - week + 1) * WEEK


def published_at(item: DemoItem, now: datetime) -> datetime | None:
    """When the item was published for this `now`, or None when it does not show."""
    if item.week is not None and item.week_second is not None:
        return week_start(item.week, now) + timedelta(seconds=item.week_second)
    assert item.seconds_before_now is not None
    moment = now.astimezone(UTC) - timedelta(seconds=item.seconds_before_now)
    if not item.surge and moment < current_week_start(now):
        return None
    return moment


def place(items: Iterable[DemoItem], now: datetime) -> list[PlacedItem]:
    """The items that show for this `now`, newest first (ties broken by source and id)."""
    placed = []
    for item in items:
        moment = published_at(item, now)
        if moment is not None and moment < now:
            placed.append(PlacedItem(item, moment))
    placed.sort(key=lambda p: (p.published_at, p.item.source, p.item.id), reverse=True)
    return placed


def bundled_path() -> Path:
    return Path(str(resources.files("repwatch.demo").joinpath(DATA_FILE)))


def load_items(path: str | Path | None = None) -> list[DemoItem]:
    """Read a demo data file (the bundled one by default)."""
    source = Path(path) if path is not None else bundled_path()
    items = []
    with gzip.open(source, "rt", encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                items.append(DemoItem.from_json(json.loads(line)))
            except (ValueError, TypeError) as exc:
                raise ValueError(f"{source}: line {number}: not a demo item ({exc})") from exc
    return items


def write_items(items: Iterable[DemoItem], path: str | Path) -> None:
    """Write items as gzipped JSON lines, byte-for-byte the same for the same items."""
    with open(path, "wb") as raw, gzip.GzipFile(
        filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9
    ) as packed:
        for item in items:
            line = json.dumps(item.to_json(), ensure_ascii=False, separators=(",", ":"))
            packed.write(line.encode("utf-8") + b"\n")
