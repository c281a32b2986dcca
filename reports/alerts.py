"""Spike alerts: evaluate each brand's metrics, keep alert episodes, deliver through an outbox.

Metrics per brand: each enabled theme ("theme:<name>"), negative volume and negative share, each
tested on the last complete hour and the last complete local day. One alert episode per brand and
metric: it fires when either window spikes, reminds every `alerts.repeat_every` while it keeps
firing, and resolves after RESOLVE_AFTER without a spike.

Delivery is an outbox: a notification row per channel is written (with the rendered message) in
the same transaction as the state change, then sent, then marked sent. A failed send stays
pending and is retried on the next check; a restart finds the rows and sends nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reports.mail import Message
from reports.notify import DeliveryError, Notifier
from reports.quotes import enabled_themes, pick_quotes
from reports.render import render, theme_label
from reports.spikes import FACTOR_DAYS, GUARD_DAYS, Seasons, Verdict, detect, detect_share
from storage import reports as queries
from storage.db import Database
from storage.mentions import as_utc, utc_naive
from storage.models import Alert, Notification

if TYPE_CHECKING:  # reports take the config as plain typed objects; only the types
    from repwatch.config import Config

NEGATIVE_VOLUME = "negative_volume"
NEGATIVE_SHARE = "negative_share"
THEME_PREFIX = "theme:"
RESOLVE_AFTER = timedelta(hours=2)
EXAMPLES = 3
EPOCH = datetime(1970, 1, 1)
HISTORY_DAYS = FACTOR_DAYS[1] + GUARD_DAYS + 3


def metric_of(name: str, config: Config) -> str:
    """The metric for a name given on the command line: a theme, or negative_volume/share."""
    if name in (NEGATIVE_VOLUME, NEGATIVE_SHARE):
        return name
    themes = enabled_themes(config)
    if name.removeprefix(THEME_PREFIX) in themes:
        return THEME_PREFIX + name.removeprefix(THEME_PREFIX)
    choices = ", ".join([*themes, NEGATIVE_VOLUME, NEGATIVE_SHARE])
    raise ValueError(f"{name!r} is not a theme or metric; choose one of: {choices}")


def metric_label(metric: str) -> str:
    if metric == NEGATIVE_VOLUME:
        return "negative mentions"
    if metric == NEGATIVE_SHARE:
        return "share of negative mentions"
    return f"theme \u201c{theme_label(metric.removeprefix(THEME_PREFIX))}\u201d"


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
    session: Session, config: Config, brand: str, now: datetime, zone: ZoneInfo
) -> list[Observation]:
    """Hourly and daily verdicts for every metric of `brand`, from mentions published before
    the start of the current hour."""
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

    sensitivity, min_count = config.alerts.sensitivity, config.alerts.min_count
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

    observations = [Observation(brand, NEGATIVE_VOLUME, windows(counts.negative))]
    share = [Window("hourly", *last_hour, detect_share(
        hourly(counts.negative), hourly(counts.total), per_day=24, sensitivity=sensitivity,
        min_count=min_count))]
    if days:
        share.append(Window("daily", *last_day, detect_share(
            daily(counts.negative), daily(counts.total), per_day=1, sensitivity=sensitivity,
            min_count=min_count)))
    observations.append(Observation(brand, NEGATIVE_SHARE, tuple(share)))
    for theme in enabled_themes(config):
        observations.append(Observation(brand, THEME_PREFIX + theme,
                                        windows(counts.themes.get(theme, {}))))
    return observations


def _day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    following = day + timedelta(days=1)
    end = datetime(following.year, following.month, following.day, tzinfo=zone)
    return utc_naive(start), utc_naive(end)


# --- messages --------------------------------------------------------------------------------


def _examples(session: Session, alert: Alert, start: datetime, end: datetime, zone: ZoneInfo
              ) -> list[dict[str, Any]]:
    if alert.metric.startswith(THEME_PREFIX):
        theme = alert.metric.removeprefix(THEME_PREFIX)
        found = queries.top_theme_mentions(session, alert.brand, start, end, 10, [theme])
    else:
        found = queries.top_negative_mentions(session, alert.brand, start, end, 10)
    return pick_quotes(found, EXAMPLES, zone)


def digest_link(
    session: Session, config: Config, brand: str, digest_dir: Path | None = None
) -> dict[str, str | None]:
    """Where the digest is: alerts.digest_url, else the newest archived digest of the brand,
    else the archive's index page."""
    if config.alerts.digest_url:
        return {"url": config.alerts.digest_url, "path": None}
    latest = queries.latest_digest(session, brand)
    if latest is not None and latest.archive_path:
        return {"url": None, "path": latest.archive_path}
    folder = digest_dir or Path(config.digest.output_dir)
    return {"url": None, "path": str(folder.resolve() / "index.html")}


@dataclass
class _Check:
    """One alert check: what it needs everywhere, and what it found."""

    session: Session
    config: Config
    now: datetime  # naive UTC
    channels: Sequence[str]
    digest_dir: Path | None
    summary: CheckSummary

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.config.digest.timezone)

    def render(self, alert: Alert, event: str) -> tuple[str, str, str]:
        detail = alert.detail or {}
        context = {
            "event": event,
            "brand": alert.brand,
            "what": metric_label(alert.metric),
            "snooze_name": alert.metric.removeprefix(THEME_PREFIX),
            "share": alert.metric == NEGATIVE_SHARE,
            "window": alert.window,
            "window_start": as_utc(datetime.fromisoformat(detail["window_start"])).isoformat(),
            "window_end": as_utc(datetime.fromisoformat(detail["window_end"])).isoformat(),
            "windows_covered": detail.get("windows", 1),
            "observed": alert.observed,
            "expected": alert.expected,
            "ratio": detail.get("ratio"),
            "p_value": detail.get("p_value"),
            "method": detail.get("method"),
            "since": as_utc(alert.started_at).isoformat(),
            "resolved_at": as_utc(alert.resolved_at).isoformat() if alert.resolved_at else None,
            "timezone": self.config.digest.timezone,
            "examples": detail.get("examples", []),
            "digest": digest_link(self.session, self.config, alert.brand, self.digest_dir),
        }
        label = {"firing": "Spike", "repeat": "Still spiking", "resolved": "Resolved"}[event]
        subject = f"[repwatch] {label}: {metric_label(alert.metric)} for {alert.brand}"
        if event != "resolved" and alert.metric == NEGATIVE_SHARE:
            subject += f" ({alert.observed:.0%} vs usual {alert.expected:.0%})"
        elif event != "resolved":
            subject += f" ({alert.observed:.0f} vs ~{alert.expected:.1f} expected)"
        return (subject, render("text", "alert.txt.j2", **context),
                render("html", "alert.html.j2", **context))

    def queue(self, alert: Alert, event: str, muted: bool) -> None:
        """Write the notification rows (one per channel) for an event, rendered now."""
        subject, text, html = self.render(alert, event)
        sequence = queries.next_sequence(self.session, alert.id, event)
        for channel in self.channels:
            queries.add_notification(self.session, Notification(
                alert_id=alert.id, event=event, sequence=sequence, channel=channel,
                status="muted" if muted else "pending", subject=subject, body_text=text,
                body_html=html, attempts=0, created_at=self.now,
            ))

    def record(self, alert: Alert, window: Window) -> None:
        """Keep the latest spiking reading on the alert, with fresh examples."""
        verdict = window.verdict
        alert.window, alert.last_spike_at = window.name, self.now
        alert.observed, alert.expected = verdict.observed, verdict.expected
        alert.detail = {
            "window_start": window.start.isoformat(),
            "window_end": window.end.isoformat(),
            "windows": verdict.windows,
            "p_value": verdict.p_value,
            "ratio": verdict.ratio,
            "method": verdict.method,
            "examples": _examples(self.session, alert, window.start, window.end, self.zone),
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
            self.record(alert, spike)
            self.queue(alert, "firing", muted)
            (summary.muted if muted else summary.fired).append(key)
        elif alert is not None and spike is not None:
            self.record(alert, spike)
            if muted:
                return
            pending = any(row.status == "pending"
                          for row in queries.notifications_of(self.session, [alert.id]))
            if alert.last_notified_at is None:
                if not pending:  # only muted so far: the snooze has ended, say it now
                    self.queue(alert, "firing", muted=False)
                    summary.fired.append(key)
            elif self.now - alert.last_notified_at >= self.config.alerts.repeat_every:
                self.queue(alert, "repeat", muted=False)
                summary.repeated.append(key)
        elif alert is not None and self.now - alert.last_spike_at >= RESOLVE_AFTER:
            alert.state, alert.resolved_at = "resolved", self.now
            rows = queries.notifications_of(self.session, [alert.id])
            if alert.last_notified_at is not None or any(r.status == "pending" for r in rows):
                self.queue(alert, "resolved", muted)
            summary.resolved.append(key)

    def run(self) -> None:
        snoozes = queries.active_snoozes(self.session, self.now)
        for brand in self.config.brands:
            open_alerts = queries.open_alerts(self.session, brand.name)
            for observation in evaluate_brand(self.session, self.config, brand.name, self.now,
                                              self.zone):
                self.summary.evaluated += 1
                muted = any(s.metric == observation.metric and s.brand in (None, brand.name)
                            for s in snoozes)
                self.apply(observation, open_alerts.get(f"{brand.name}|{observation.metric}"),
                           muted)


def deliver_pending(
    database: Database, config: Config, notifiers: Sequence[Notifier], now: datetime,
    summary: CheckSummary, session: Session | None = None,
) -> None:
    """Send every pending notification whose channel is here; each is marked in its own commit."""
    by_channel = {notifier.channel: notifier for notifier in notifiers}

    def attempt(session: Session, notification: Notification, alert_id: int) -> None:
        notifier = by_channel.get(notification.channel)
        if notifier is None:
            summary.waiting += 1
            return
        message = Message(subject=notification.subject, text=notification.body_text,
                          html=notification.body_html,
                          recipients=tuple(config.alerts.recipients))
        try:
            notifier.send(message, as_utc(now))
        except DeliveryError as exc:
            queries.mark_notification(session, notification.id, sent_at=None, error=str(exc))
            summary.failed.append(f"{notification.channel}: {exc}")
            return
        queries.mark_notification(session, notification.id, sent_at=now, error=None)
        queries.mark_alert_notified(session, alert_id, now)
        summary.delivered += 1
        summary.messages.append(message)

    if session is not None:  # a preview: everything in the caller's transaction
        for notification, alert in queries.pending_notifications(session):
            attempt(session, notification, alert.id)
        return
    with database.session() as reading:
        pending = [(n.id, a.id) for n, a in queries.pending_notifications(reading)]
    for notification_id, alert_id in pending:
        with database.session() as writing:
            row = writing.get(Notification, notification_id)
            if row is not None and row.status == "pending":
                attempt(writing, row, alert_id)


def check_alerts(
    database: Database,
    config: Config,
    now: datetime,
    notifiers: Sequence[Notifier],
    *,
    preview: bool = False,
    digest_dir: Path | None = None,
) -> CheckSummary:
    """Evaluate every brand, record alert changes, and deliver what is pending.

    `digest_dir` is the digest archive to link to when alerts.digest_url is unset and no digest
    has been archived yet (default: digest.output_dir). With `preview`, nothing is stored: the
    would-be messages go to `notifiers` (use a dry-run notifier) and everything is rolled back.
    """
    summary = CheckSummary()
    if not config.alerts.enabled:
        return summary
    now = utc_naive(now).replace(microsecond=0)
    channels = [notifier.channel for notifier in notifiers]
    if preview:
        with database.sessions() as session:
            _Check(session, config, now, channels, digest_dir, summary).run()
            deliver_pending(database, config, notifiers, now, summary, session=session)
            session.rollback()
        return summary
    try:
        with database.session() as session:
            _Check(session, config, now, channels, digest_dir, summary).run()
    except IntegrityError:
        # Another checker opened the same episode first; its rows stand, ours were rolled back.
        summary = CheckSummary()
        with database.session() as session:
            _Check(session, config, now, channels, digest_dir, summary).run()
    deliver_pending(database, config, notifiers, now, summary)
    return summary
