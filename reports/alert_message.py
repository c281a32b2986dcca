"""What an alert says: readings in plain words, and one message per brand with every alert event
of a check in it, the worst first, with a chart of the last two weeks.

Each event's part (text and HTML) is rendered when the event happens and kept with its
notification; `compose` puts the parts of what is pending for a brand into one message.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from markupsafe import Markup

from reports.alert_chart import daily_chart
from reports.mail import InlineImage, Message
from reports.render import render, theme_label
from reports.safety import safe_url
from storage.mentions import as_utc
from storage.models import Alert, Notification

NEGATIVE_VOLUME = "negative_volume"
NEGATIVE_SHARE = "negative_share"
THEME_PREFIX = "theme:"

# --- words -----------------------------------------------------------------------------------

EVENT_LABELS = {"firing": "New", "repeat": "Still high", "resolved": "Back to normal"}
EVENT_NAMES = {"firing": "alert", "repeat": "reminder", "resolved": "all-clear"}  # for lists


def metric_title(metric: str) -> str:
    """The metric as a reader names it: 'Negative mentions', 'Negative share', 'Slow response'."""
    if metric == NEGATIVE_VOLUME:
        return "Negative mentions"
    if metric == NEGATIVE_SHARE:
        return "Negative share"
    return theme_label(metric.removeprefix(THEME_PREFIX)).capitalize()


def _usually(expected: float, share: bool) -> str:
    if share:
        return "usually under 1%" if expected < 0.005 else f"usually about {expected:.0%}"
    if expected < 1:
        return "usually under 1"
    if expected >= 100:
        return f"usually about {float(f'{expected:.2g}'):,.0f}"
    return f"usually about {expected:.0f}"


def reading(metric: str, window: str, windows: int, observed: float, expected: float) -> str:
    """A reading in plain words: '61 mentions in 2 days, usually about 10'."""
    span = "in one hour" if window == "hourly" else ("in 2 days" if windows == 2 else "in one day")
    if metric == NEGATIVE_SHARE:
        return f"{observed:.0%} of mentions negative {span}, {_usually(expected, share=True)}"
    noun = "" if metric == NEGATIVE_VOLUME else " mentions"
    return f"{observed:.0f}{noun} {span}, {_usually(expected, share=False)}"


def headline(alert: Alert) -> str:
    """What the alert's latest reading says: 'Slow response: 61 mentions in 2 days, usually
    about 10'. The same words in `alerts list`, the email and chat."""
    windows = (alert.detail or {}).get("windows", 1)
    return f"{metric_title(alert.metric)}: " + reading(alert.metric, alert.window, windows,
                                                      alert.observed, alert.expected)


def _day(moment: datetime | date) -> str:
    return f"{moment:%a} {moment.day} {moment:%b}"


def _moment(moment: datetime, zone: ZoneInfo) -> str:
    local = as_utc(moment).astimezone(zone)
    return f"{_day(local)} {local:%H:%M}"


def spike_window(alert: Alert, zone: ZoneInfo) -> str:
    """When the latest reading was taken: 'Tue 24 Nov 08:00–09:00', 'Tue 24 Nov', 'Mon 23 –
    Tue 24 Nov'."""
    detail = alert.detail or {}
    start, end = (as_utc(datetime.fromisoformat(detail[key])).astimezone(zone)
                  for key in ("window_start", "window_end"))
    if alert.window == "hourly":
        return f"{_day(start)} {start:%H:%M}\u2013{end:%H:%M}"
    last_day = (end - timedelta(minutes=1)).date()
    return _day(start) if start.date() == last_day else f"{_day(start)} \u2013 {_day(last_day)}"


def _snooze(alert: Alert) -> str:
    return (f'repwatch alerts snooze {alert.metric.removeprefix(THEME_PREFIX)} '
            f'--brand "{alert.brand}" --for 2d')


def _code_span(command: str) -> Markup | None:
    """`command` as Markdown code, where nothing but a backtick is special."""
    return None if "`" in command else Markup(f"`{command}`")  # noqa: S704


def render_part(alert: Alert, event: str, zone: ZoneInfo) -> tuple[str, str, str]:
    """One alert event as a part of the brand's message: its headline, text and HTML."""
    detail = alert.detail or {}
    context = {
        "event": event,
        "label": EVENT_LABELS[event],
        "title": metric_title(alert.metric),
        "headline": headline(alert),
        "window": spike_window(alert, zone),
        "since": _moment(alert.started_at, zone),
        "until": _moment(alert.resolved_at, zone) if alert.resolved_at else None,
        "timezone": zone.key,
        "examples": detail.get("examples", []),
        "snooze": _snooze(alert),
    }
    title = f"{metric_title(alert.metric)} is back to normal" if event == "resolved" else (
        headline(alert))
    return (title, render("text", "alert.item.txt.j2", **context),
            render("html", "alert.item.html.j2", **context))


def _severity(item: tuple[Notification, Alert]) -> tuple[bool, float, int]:
    """Worst first: spikes before recoveries, the least likely reading first."""
    notification, alert = item
    p_value = (alert.detail or {}).get("p_value")
    return notification.event == "resolved", 1.0 if p_value is None else p_value, alert.id


def _chart(alert: Alert, zone: ZoneInfo) -> tuple[InlineImage, dict[str, str]] | None:
    """The lead alert's last two weeks as a PNG, and the same numbers as a line of text."""
    recent = (alert.detail or {}).get("recent")
    if not recent:
        return None
    days = [date.fromisoformat(day) for day in recent["days"]]
    share = alert.metric == NEGATIVE_SHARE
    unit = {NEGATIVE_VOLUME: "negative mentions", NEGATIVE_SHARE: "negative share"}.get(
        alert.metric, "mentions")
    png = daily_chart(days, recent["values"], recent["spiking"], percent=share,
                      y_label=f"{unit} per day")
    numbers = " ".join(f"{v:.0%}" if share else f"{v:.0f}" for v in recent["values"])
    until = _moment(datetime.fromisoformat(recent["until"]), zone) if "until" in recent else (
        _day(days[-1]))
    title = f"{metric_title(alert.metric)} per day, {_day(days[0])} \u2013 {until}"
    image = InlineImage("alert-chart@repwatch", png, "last-14-days.png")
    return image, {"cid": image.cid, "title": title, "caption": f"{title}: {numbers}"}


def message_id(items: Sequence[tuple[Notification, Alert]]) -> str:
    """The same alert events always give the same Message-ID (a resend after a crash too)."""
    identity = sorted(f"{n.alert_id}:{n.event}:{n.sequence}:{n.channel}" for n, _ in items)
    return "alert." + hashlib.sha256("|".join(identity).encode()).hexdigest()[:32]


def compose(
    brand: str,
    items: Sequence[tuple[Notification, Alert]],
    zone: ZoneInfo,
    *,
    digest_url: str | None,
    recipients: Sequence[str] = (),
) -> Message:
    """One message for a brand: every alert event in `items`, the worst first, with a chart of
    the worst spike's last two weeks."""
    ordered = sorted(items, key=_severity)
    lead = ordered[0][0]
    prefix = {"firing": "", "repeat": "still high: ", "resolved": ""}[lead.event]
    more = f" (+{len(ordered) - 1} more)" if len(ordered) > 1 else ""
    counts = Counter(notification.event for notification, _ in ordered)
    summary = ", ".join(f"{counts[event]} {EVENT_LABELS[event].lower()}"
                        for event in EVENT_LABELS if counts[event])
    spikes = [alert for n, alert in ordered if n.event != "resolved"]
    counted = [alert for alert in spikes if alert.metric != NEGATIVE_SHARE]  # easier to read
    chart = _chart((counted or spikes)[0], zone) if spikes else None
    context = {
        "brand": brand,
        "summary": summary,
        "items": [{"text": n.body_text, "html": Markup(n.body_html)}  # noqa: S704 (rendered escaped)
                  for n, _ in ordered],
        "chart": chart and chart[1],
        "digest_url": safe_url(digest_url),
    }
    chat = {"items": [{"label": EVENT_LABELS[n.event], "headline": n.subject} for n, _ in ordered],
            "snooze": _code_span(_snooze(spikes[0])) if spikes else None}
    return Message(
        subject=f"[repwatch] {brand}: {prefix}{lead.subject}{more}",
        text=render("text", "alert.txt.j2", **context),
        html=render("html", "alert.html.j2", **context),
        markdown=render("markdown", "alert.md.j2", **(context | chat)),
        images=(chart[0],) if chart else (),
        recipients=tuple(recipients),
        message_id=message_id(ordered),
    )
