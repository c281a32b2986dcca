"""Spike alerts: evaluate each brand's metrics, keep alert episodes, deliver through an outbox.

Metrics per brand: each enabled theme ("theme:<name>"), negative volume and negative share, each
tested on the last complete hour and the last complete local day. One alert episode per brand and
metric: it fires when either window spikes, reminds every `alerts.repeat_every` while it keeps
firing, and resolves after RESOLVE_AFTER without a spike.

Delivery is an outbox: a notification row per channel is written (with its part of the message
rendered) in the same transaction as the state change. Delivery claims the pending rows (so a
concurrent checker cannot take them too), sends ONE message per brand and channel with every
claimed event in it, the worst first, then marks them sent. A failed send puts them back to
pending for the next check. Delivery is at least once: a checker killed after the mail server
accepted a message but before it was marked sent leaves a claim that expires after CLAIM_TIMEOUT,
and the message goes again with the same Message-ID, so mail clients can drop the repeat.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reports.alert_message import NEGATIVE_SHARE, NEGATIVE_VOLUME, THEME_PREFIX, compose, render_part
from reports.mail import Message
from reports.notify import DeliveryError, Notifier
from reports.quotes import pick_quotes
from reports.spikes import FACTOR_DAYS, GUARD_DAYS, Seasons, Verdict, detect, detect_share
from storage import reports as queries
from storage.alerts import claim_pending, count_waiting, finish_claim, hold_writer, release_stale_claims
from storage.db import Database
from storage.mentions import as_utc, utc_naive
from storage.models import Alert, Notification

RESOLVE_AFTER = timedelta(hours=2)
EXAMPLES = 3
EPOCH = datetime(1970, 1, 1)
HISTORY_DAYS = FACTOR_DAYS[1] + GUARD_DAYS + 3
CHART_DAYS = 14
CLAIM_TIMEOUT = timedelta(minutes=15)  # a send still unfinished after this died with its checker


@dataclass(frozen=True)
class AlertSettings:
    """What an alert check needs to know, as plain values (the config builds it)."""

    brands: tuple[str, ...]
    themes: tuple[str, ...]  # the enabled ones, defaults and custom
    timezone: str = "UTC"  # for days, and for times in messages
    enabled: bool = True
    sensitivity: str = "medium"
    min_count: int = 5
    repeat_every: timedelta = timedelta(hours=24)
    recipients: tuple[str, ...] = ()
    digest_url: str | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def metric_of(name: str, themes: Sequence[str]) -> str:
    """The metric for a name given on the command line: a theme, or negative_volume/share."""
    if name in (NEGATIVE_VOLUME, NEGATIVE_SHARE):
        return name
    if name.removeprefix(THEME_PREFIX) in themes:
        return THEME_PREFIX + name.removeprefix(THEME_PREFIX)
    choices = ", ".join([*themes, NEGATIVE_VOLUME, NEGATIVE_SHARE])
    raise ValueError(f"{name!r} is not a theme or metric; choose one of: {choices}")


@dataclass(frozen=True)
class Window:
    name: str  # "hourly" or "daily"
    start: datetime  # naive UTC
    end: datetime
    verdict: Verdict


@dataclass(frozen=True)
class Observation:
    brand: str
    metric: str
    windows: tuple[Window, ...]
    recent: tuple[tuple[date, float], ...] = ()  # the last CHART_DAYS local days, for the chart

    @property
    def spiking(self) -> Window | None:
        """The most significant spiking window, if any."""
        spikes = [w for w in self.windows if w.verdict.spike]
        return min(spikes, key=lambda w: w.verdict.p_value) if spikes else None


@dataclass
class CheckSummary:
    evaluated: int = 0
    fired: list[str] = field(default_factory=list)
    repeated: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    muted: list[str] = field(default_factory=list)
    delivered: int = 0
    failed: list[str] = field(default_factory=list)
    waiting: int = 0  # pending for a channel not available in this run
    messages: list[Message] = field(default_factory=list)


# --- evaluating ------------------------------------------------------------------------------


def _hour_number(moment: datetime) -> int:
    return int((moment - EPOCH).total_seconds() // 3600)


def _hour_start(number: int) -> datetime:
    return EPOCH + timedelta(hours=number)


def evaluate_brand(
    session: Session, settings: AlertSettings, brand: str, now: datetime
) -> list[Observation]:
    """Hourly and daily verdicts for every metric of `brand`, from mentions published before
    the start of the current hour."""
    zone = settings.zone
    end_hour = _hour_number(now)  # the current hour is incomplete
    first = queries.first_published_at(session, brand)
    if first is None:
        return []
    first_hour = max(_hour_number(first), end_hour - HISTORY_DAYS * 24)
    if first_hour >= end_hour:
        return []
    counts = queries.hourly_counts(session, brand, _hour_start(first_hour), _hour_start(end_hour))
    hours = list(range(first_hour, end_hour))
    local = [_hour_start(h).replace(tzinfo=UTC).astimezone(zone) for h in hours]
    hourly_span = (FACTOR_DAYS[24] + GUARD_DAYS + 1) * 24
    hourly_hours, hourly_local = hours[-hourly_span:], local[-hourly_span:]
    hourly_seasons = Seasons([[t.weekday() for t in hourly_local], [t.hour for t in hourly_local]],
                             [7, 24])
    # Local days that are complete and fully inside the data: from the first whole day on.
    days: list[date] = sorted({t.date() for t in local})
    if local[0].hour != 0:
        days = days[1:]
    days = [d for d in days if d < local[-1].date() or local[-1].hour == 23]
    day_index = {d: i for i, d in enumerate(days)}
    hour_to_day = [day_index.get(t.date()) for t in local]
    daily_seasons = Seasons([[d.weekday() for d in days]], [7])

    def hourly(series: dict[int, int]) -> list[int]:
        return [series.get(h, 0) for h in hourly_hours]

    def daily(series: dict[int, int]) -> list[int]:
        totals = [0] * len(days)
        for position, h in enumerate(hours):
            slot = hour_to_day[position]
            if slot is not None:
                totals[slot] += series.get(h, 0)
        return totals

    sensitivity, min_count = settings.sensitivity, settings.min_count
    last_hour = (_hour_start(end_hour - 1), _hour_start(end_hour))
    last_day = _day_bounds(days[-1], zone) if days else last_hour

    def windows(series: dict[int, int]) -> tuple[Window, ...]:
        found = [Window("hourly", *last_hour,
                        detect(hourly(series), hourly_seasons, per_day=24, sensitivity=sensitivity,
                               min_count=min_count))]
        if days:
            verdict = detect(daily(series), daily_seasons, per_day=1, sensitivity=sensitivity,
                             min_count=min_count)
            start = _day_bounds(days[-verdict.windows], zone)[0]
            found.append(Window("daily", start, last_day[1], verdict))
        return tuple(found)

    # The chart's days: the last CHART_DAYS local days, the latest one up to the last full hour.
    chart_days = [local[-1].date() - timedelta(days=n) for n in range(CHART_DAYS - 1, -1, -1)]
    chart_slot = {day: slot for slot, day in enumerate(chart_days)}
    recent_hours = [(h, chart_slot[t.date()]) for h, t in zip(hours, local, strict=True)
                    if t.date() in chart_slot]

    def recent(series: dict[int, int]) -> list[int]:
        totals = [0] * CHART_DAYS
        for h, slot in recent_hours:
            totals[slot] += series.get(h, 0)
        return totals

    def with_days(values: Sequence[float]) -> tuple[tuple[date, float], ...]:
        return tuple(zip(chart_days, values, strict=True))

    negative_days, total_days = recent(counts.negative), recent(counts.total)
    observations = [Observation(brand, NEGATIVE_VOLUME, windows(counts.negative),
                                with_days(negative_days))]
    share = [Window("hourly", *last_hour, detect_share(
        hourly(counts.negative), hourly(counts.total), per_day=24, sensitivity=sensitivity,
        min_count=min_count))]
    if days:
        share.append(Window("daily", *last_day, detect_share(
            daily(counts.negative), daily(counts.total), per_day=1, sensitivity=sensitivity,
            min_count=min_count)))
    shares = [n / t if t else 0.0 for n, t in zip(negative_days, total_days, strict=True)]
    observations.append(Observation(brand, NEGATIVE_SHARE, tuple(share), with_days(shares)))
    for theme in settings.themes:
        series = counts.themes.get(theme, {})
        observations.append(Observation(brand, THEME_PREFIX + theme, windows(series),
                                        with_days(recent(series))))
    return observations


def _day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    following = day + timedelta(days=1)
    end = datetime(following.year, following.month, following.day, tzinfo=zone)
    return utc_naive(start), utc_naive(end)


# --- messages --------------------------------------------------------------------------------


def _examples(session: Session, alert: Alert, start: datetime, end: datetime, zone: ZoneInfo,
              quoted: set[tuple[str, str]]) -> list[dict[str, Any]]:
    """The best examples of the spike, leaving out mentions already quoted for the brand in this
    check (its alerts share one message); the ones picked are added to `quoted` (by source and
    publication time)."""
    if alert.metric.startswith(THEME_PREFIX):
        theme = alert.metric.removeprefix(THEME_PREFIX)
        found = queries.top_theme_mentions(session, alert.brand, start, end, 10, [theme])
    else:
        found = queries.top_negative_mentions(session, alert.brand, start, end, 10)
    fresh = [e for e in found if (e.source, as_utc(e.published_at).isoformat()) not in quoted]
    picked = pick_quotes(fresh or found, EXAMPLES, zone)
    quoted.update((quote["source"], quote["published_at"]) for quote in picked)
    return picked


@dataclass
class _Check:
    """One alert check: what it needs everywhere, and what it found."""

    session: Session
    settings: AlertSettings
    now: datetime  # naive UTC
    channels: Sequence[str]
    summary: CheckSummary
    quoted: set[tuple[str, str]] = field(default_factory=set)  # quoted so far for this brand

    @property
    def zone(self) -> ZoneInfo:
        return self.settings.zone

    def queue(self, alert: Alert, event: str, muted: bool) -> None:
        """Write the notification rows (one per channel) for an event, its part rendered now."""
        subject, text, html = render_part(alert, event, self.zone)
        sequence = queries.next_sequence(self.session, alert.id, event)
        for channel in self.channels:
            queries.add_notification(self.session, Notification(
                alert_id=alert.id, event=event, sequence=sequence, channel=channel,
                status="muted" if muted else "pending", subject=subject, body_text=text,
                body_html=html, attempts=0, created_at=self.now,
            ))

    def record(self, alert: Alert, window: Window, recent: Sequence[tuple[date, float]]) -> None:
        """Keep the latest spiking reading on the alert, with fresh examples and the chart's days."""
        verdict = window.verdict
        alert.window, alert.last_spike_at = window.name, self.now
        alert.observed, alert.expected = verdict.observed, verdict.expected
        first, last = (as_utc(m).astimezone(self.zone).date() for m in
                       (window.start, window.end - timedelta(minutes=1)))
        alert.detail = {
            "window_start": window.start.isoformat(),
            "window_end": window.end.isoformat(),
            "windows": verdict.windows,
            "p_value": verdict.p_value,
            "ratio": verdict.ratio,
            "method": verdict.method,
            "examples": _examples(self.session, alert, window.start, window.end, self.zone,
                                  self.quoted),
            "recent": {"until": self.now.replace(minute=0, second=0).isoformat(),
                       "days": [day.isoformat() for day, _ in recent],
                       "values": [value for _, value in recent],
                       "spiking": [first <= day <= last for day, _ in recent]},
        }

    def apply(self, observation: Observation, alert: Alert | None, muted: bool) -> None:
        """Move one brand-and-metric episode along: fire, remind, or resolve."""
        key = f"{observation.brand}|{observation.metric}"
        spike = observation.spiking
        summary = self.summary
        if spike is not None and alert is None:
            alert = queries.add_alert(self.session, Alert(
                key=key, brand=observation.brand, metric=observation.metric, window=spike.name,
                state="firing", started_at=spike.start, last_spike_at=self.now,
                observed=spike.verdict.observed, expected=spike.verdict.expected, detail={},
            ))
            self.record(alert, spike, observation.recent)
            self.queue(alert, "firing", muted)
            (summary.muted if muted else summary.fired).append(key)
        elif alert is not None and spike is not None:
            self.record(alert, spike, observation.recent)
            if muted:
                return
            unsent = any(row.status in ("pending", "sending")
                         for row in queries.notifications_of(self.session, [alert.id]))
            if alert.last_notified_at is None:
                if not unsent:  # only muted so far: the snooze has ended, say it now
                    self.queue(alert, "firing", muted=False)
                    summary.fired.append(key)
            elif self.now - alert.last_notified_at >= self.settings.repeat_every:
                self.queue(alert, "repeat", muted=False)
                summary.repeated.append(key)
        elif alert is not None and self.now - alert.last_spike_at >= RESOLVE_AFTER:
            alert.state, alert.resolved_at = "resolved", self.now
            rows = queries.notifications_of(self.session, [alert.id])
            if alert.last_notified_at is not None or any(
                    r.status in ("pending", "sending") for r in rows):
                self.queue(alert, "resolved", muted)
            summary.resolved.append(key)

    def run(self) -> None:
        hold_writer(self.session)
        snoozes = queries.active_snoozes(self.session, self.now)
        for brand in self.settings.brands:
            self.quoted.clear()
            open_alerts = queries.open_alerts(self.session, brand)
            for observation in evaluate_brand(self.session, self.settings, brand, self.now):
                self.summary.evaluated += 1
                muted = any(s.metric == observation.metric and s.brand in (None, brand)
                            for s in snoozes)
                self.apply(observation, open_alerts.get(f"{brand}|{observation.metric}"), muted)


def deliver_pending(
    database: Database, settings: AlertSettings, notifiers: Sequence[Notifier], now: datetime,
    summary: CheckSummary, session: Session | None = None,
) -> None:
    """Claim what is pending for these channels, then send one message per brand and channel;
    each claim and each outcome is its own commit (or all in `session`, for a preview)."""
    by_channel = {notifier.channel: notifier for notifier in notifiers}

    def claim(writing: Session) -> list[tuple[Notification, Alert]]:
        release_stale_claims(writing, now - CLAIM_TIMEOUT)
        summary.waiting += count_waiting(writing, list(by_channel))
        return claim_pending(writing, list(by_channel), now)

    if session is not None:
        claimed = claim(session)
    else:
        with database.session() as writing:
            hold_writer(writing)
            claimed = claim(writing)
    groups: dict[tuple[str, str], list[tuple[Notification, Alert]]] = defaultdict(list)
    for notification, alert in claimed:
        groups[alert.brand, notification.channel].append((notification, alert))
    for (brand, channel), items in groups.items():
        message = compose(brand, items, settings.zone, digest_url=settings.digest_url,
                          recipients=settings.recipients)
        ids = [notification.id for notification, _ in items]
        try:
            by_channel[channel].send(message, as_utc(now))
            outcome: dict[str, Any] = {"sent_at": now, "error": None}
            summary.delivered += 1
            summary.messages.append(message)
        except DeliveryError as exc:
            outcome = {"sent_at": None, "error": str(exc)}
            summary.failed.append(f"{channel}: {exc}")
        if session is not None:
            finish_claim(session, ids, **outcome)
        else:
            with database.session() as writing:
                finish_claim(writing, ids, **outcome)


def check_alerts(
    database: Database,
    settings: AlertSettings,
    now: datetime,
    notifiers: Sequence[Notifier],
    *,
    preview: bool = False,
) -> CheckSummary:
    """Evaluate every brand, record alert changes, and deliver what is pending.

    With `preview`, nothing is stored: the would-be messages go to `notifiers` (use a dry-run
    notifier) and everything is rolled back.
    """
    summary = CheckSummary()
    if not settings.enabled:
        return summary
    now = utc_naive(now).replace(microsecond=0)
    channels = [notifier.channel for notifier in notifiers]
    if preview:
        with database.sessions() as session:
            _Check(session, settings, now, channels, summary).run()
            deliver_pending(database, settings, notifiers, now, summary, session=session)
            session.rollback()
        return summary
    try:
        with database.session() as session:
            _Check(session, settings, now, channels, summary).run()
    except IntegrityError:
        # Another checker opened the same episode first; its rows stand, ours were rolled back.
        summary = CheckSummary()
        with database.session() as session:
            _Check(session, settings, now, channels, summary).run()
    deliver_pending(database, settings, notifiers, now, summary)
    return summary
