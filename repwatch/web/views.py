"""View models: the storage queries' rows arranged for the templates (no SQL, no HTTP here)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from markupsafe import Markup
from sqlalchemy.orm import Session

from reports.safety import distinct
from repwatch.web import charts
from storage import dashboard as queries
from storage.mentions import MentionFilter

SENTIMENT_ORDER = ("negative", "neutral", "positive", "untagged")
MAX_RANGE_DAYS = 366
QUOTES_PER_THEME = 2



class BadRequest(ValueError):
    """A query parameter the page cannot use; the message names it."""


@dataclass(frozen=True)
class DateRange:
    """Whole UTC days, `first` to `last` inclusive."""

    first: date
    last: date

    @classmethod
    def parse(cls, params: Mapping[str, str], today: date, default_days: int = 7,
              max_days: int | None = MAX_RANGE_DAYS) -> DateRange:
        try:
            last = date.fromisoformat(params["end"]) if params.get("end") else today
            first = (date.fromisoformat(params["start"]) if params.get("start")
                     else last - timedelta(days=default_days - 1))
        except ValueError as exc:
            raise BadRequest(f"start/end must be dates like 2026-12-01: {exc}") from exc
        if first > last:
            raise BadRequest(f"start {first} is after end {last}")
        if max_days is not None and (last - first).days >= max_days:
            raise BadRequest(f"a range may span at most {max_days} days")
        return cls(first, last)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time())

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time())

    @property
    def days(self) -> list[str]:
        count = (self.last - self.first).days + 1
        return [(self.first + timedelta(days=i)).isoformat() for i in range(count)]

    def previous(self) -> DateRange:
        length = (self.last - self.first).days + 1
        return DateRange(self.first - timedelta(days=length), self.first - timedelta(days=1))


def change(current: float | None, previous: float | None) -> str:
    """A readable change: '+25%', '-3%', 'new' or '' when nothing to compare."""
    if current is None or previous is None:
        return ""
    if previous == 0:
        return "new" if current else ""
    return f"{(current - previous) / previous:+.0%}"


def points(current: float | None, previous: float | None) -> str:
    """A change between two shares in percentage points: '+9 pts'."""
    if current is None or previous is None:
        return ""
    return f"{(current - previous) * 100:+.0f} pts"


def sentiment_chart(rows: Sequence[queries.DayVolume], days: list[str]) -> Markup:
    index = {day: i for i, day in enumerate(days)}
    series = {name: [0] * len(days) for name in SENTIMENT_ORDER}
    for row in rows:
        if row.day in index:
            series[row.sentiment or "untagged"][index[row.day]] += row.count
    return charts.stacked_bars(days, series, "mentions per day by sentiment")


@dataclass(frozen=True)
class ThemeSummary:
    name: str
    count: int
    previous: int
    negative: int
    change: str
    spark: Markup
    quotes: list[queries.Quote]


def overview(session: Session, brand: str, period: DateRange, themes: Sequence[str]) -> dict[str, Any]:
    before = period.previous()
    volume = queries.daily_volume(session, brand, period.start, period.end)
    current = queries.totals(volume)
    previous = queries.totals(queries.daily_volume(session, brand, before.start, before.end))
    days = period.days
    daily: dict[str, list[int]] = defaultdict(lambda: [0] * len(days))
    negative: dict[str, int] = defaultdict(int)
    position = {day: i for i, day in enumerate(days)}
    for row in queries.daily_themes(session, brand, period.start, period.end):
        if row.day in position:
            daily[row.theme][position[row.day]] += row.count
            negative[row.theme] += row.negative
    before_counts: dict[str, int] = defaultdict(int)
    for row in queries.daily_themes(session, brand, before.start, before.end):
        before_counts[row.theme] += row.count
    candidates: dict[str, list[queries.Quote]] = defaultdict(list)
    # a few spare per theme: quoting the evidence sentence makes repeats likelier
    for quote in queries.top_quotes(session, brand, period.start, period.end, 4 * QUOTES_PER_THEME):
        candidates[quote.theme].append(quote)
    quotes = {theme: distinct(found, QUOTES_PER_THEME, lambda q: q.evidence or q.text)
              for theme, found in candidates.items()}
    names = list(dict.fromkeys([*themes, *daily]))  # configured themes first, then any others stored
    summaries = [
        ThemeSummary(name, sum(daily.get(name, [])), before_counts[name], negative[name],
                     change(sum(daily.get(name, [])), before_counts[name]),
                     charts.sparkline(daily.get(name, [0] * len(days)), f"{name} per day"),
                     quotes.get(name, []))
        for name in names
    ]
    summaries.sort(key=lambda theme: (-theme.count, theme.name))
    return {
        "current": current,
        "previous": previous,
        "changes": {
            "mentions": change(current.mentions, previous.mentions),
            "negative_share": points(current.negative_share, previous.negative_share),
            "average_rating": change(current.average_rating, previous.average_rating),
        },
        "previous_range": before,
        "chart": sentiment_chart(volume, days),
        "theme_rows": summaries,
    }


def theme_page(session: Session, brand: str, theme: str, period: DateRange) -> dict[str, Any]:
    days = period.days
    position = {day: i for i, day in enumerate(days)}
    series = {"negative": [0] * len(days), "other": [0] * len(days)}
    for row in queries.daily_themes(session, brand, period.start, period.end, theme=theme):
        if row.day in position:
            series["negative"][position[row.day]] += row.negative
            series["other"][position[row.day]] += row.count - row.negative
    return {
        "chart": charts.stacked_bars(days, series, f"{theme} mentions per day"),
        "total": sum(series["negative"]) + sum(series["other"]),
        "sources": queries.theme_by_source(session, brand, theme, period.start, period.end),
    }


@dataclass(frozen=True)
class BrowseQuery:
    """The mentions browser's parameters: the export filters, plus sort and page."""

    filters: MentionFilter
    sort: str
    page: int
    params: dict[str, str]  # as given, to rebuild links

    @classmethod
    def parse(cls, params: Mapping[str, str], today: date, default_days: int = 30) -> BrowseQuery:
        given = {key: value.strip() for key, value in params.items()
                 if key != "page" and isinstance(value, str) and value.strip()}
        period = DateRange.parse(given, today, default_days, max_days=None)  # search any span
        sort = given.get("sort", "newest")
        if sort not in queries.SORTS:
            raise BadRequest(f"sort must be one of {', '.join(queries.SORTS)}")
        sentiment = given.get("sentiment")
        if sentiment and sentiment not in SENTIMENT_ORDER[:3]:
            raise BadRequest("sentiment must be negative, neutral or positive")
        try:
            rating = int(given["rating"]) if "rating" in given else None
            page = max(int(params.get("page") or 1), 1)
        except ValueError as exc:
            raise BadRequest(f"rating and page must be whole numbers: {exc}") from exc
        filters = MentionFilter(
            brand=given.get("brand"), source=given.get("source"), theme=given.get("theme"),
            sentiment=sentiment, since=period.start, until=period.end, rating=rating,
            language=given.get("language"), text=given.get("q"))
        given.setdefault("start", period.first.isoformat())
        given.setdefault("end", period.last.isoformat())
        return cls(filters, sort, page, given)
