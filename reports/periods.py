"""ISO weeks in a time zone, as the naive-UTC edges that storage queries take."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from storage.mentions import utc_naive

_ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$", re.IGNORECASE)  # 2026-w48 as typed


@dataclass(frozen=True, order=True)
class Week:
    year: int
    week: int

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    def shifted(self, weeks: int) -> Week:
        year, week, _ = (self.monday + timedelta(weeks=weeks)).isocalendar()
        return Week(year, week)

    def start_utc(self, zone: ZoneInfo) -> datetime:
        """Monday 00:00 in `zone`, as naive UTC."""
        return utc_naive(datetime.combine(self.monday, time(), tzinfo=zone))

    def end_utc(self, zone: ZoneInfo) -> datetime:
        return self.shifted(1).start_utc(zone)


def parse_week(text: str) -> Week:
    """'2026-W47' as a Week; a clear ValueError for anything else."""
    match = _ISO_WEEK.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not an ISO week like 2026-W47")
    year, week = int(match.group(1)), int(match.group(2))
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise ValueError(f"{text!r}: {year} has no ISO week {week}") from exc
    return Week(year, week)


def week_of(moment: datetime, zone: ZoneInfo) -> Week:
    year, week, _ = moment.astimezone(zone).isocalendar()
    return Week(year, week)


def last_full_week(now: datetime, zone: ZoneInfo) -> Week:
    """The last week that has fully ended at `now` (aware) in `zone`."""
    return week_of(now, zone).shifted(-1)


def week_edges(last: Week, count: int, zone: ZoneInfo) -> tuple[list[Week], list[datetime]]:
    """`count` weeks ending with `last`, oldest first, and their count+1 naive-UTC edges."""
    weeks = [last.shifted(offset) for offset in range(1 - count, 1)]
    return weeks, [week.start_utc(zone) for week in weeks] + [last.end_utc(zone)]
