"""A real SMTP server down during an alert, then back; hostile review text inside the alert email."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

from aiosmtpd.controller import Controller
from reporting import Inbox, Seeder, free_port, make_config

from reports.alerts import check_alerts
from reports.notify import email_notifier
from repwatch.report_settings import alert_settings
from storage.db import Database

T = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
HOSTILE = ('<script>alert(1)</script><img src=x onerror=alert(2)> <a href="javascript:alert(3)">x</a> '
           '</style><style>*{background:url(javascript:alert(4))}</style> waited on hold again')


def seed_spike(seed: Seeder) -> None:
    seed.source("forum")
    seed.ordinary_history("forum", T)
    for index in range(12):
        seed.mention("forum", T - timedelta(minutes=58 - 4 * index), f"{HOSTILE} #{index}",
                     sentiment="negative", themes={"slow_response": 0.9 - index / 100},
                     author='"><svg onload=alert(5)>', url=f"javascript:alert({index})")
    seed.flush()


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_smtp_down_keeps_the_alert_pending_then_delivers_it_once(database: Database) -> None:
    seed_spike(Seeder(database))
    port = free_port()
    config = make_config(f"""\
alerts:
  recipients: [lead@example.com]
  min_count: 5
smtp: {{host: 127.0.0.1, port: {port}, tls: none, sender: repwatch@example.com, timeout_seconds: 5}}
""")
    notifier = email_notifier(config)

    down = check_alerts(database, alert_settings(config), T, [notifier])
    assert down.fired and down.delivered == 0
    assert down.failed and "ConnectionRefusedError" in down.failed[0]

    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        back = check_alerts(database, alert_settings(config), T + timedelta(minutes=10), [notifier])
        again = check_alerts(database, alert_settings(config), T + timedelta(minutes=20), [notifier])
    finally:
        server.stop()
    assert sorted(down.fired) == ["Acme|negative_share", "Acme|negative_volume",
                                  "Acme|theme:slow_response"]
    assert (back.fired, back.delivered, back.failed) == ([], 1, [])
    assert (again.delivered, again.failed) == (0, [])
    [received] = inbox.received  # the three alerts in one message, each once
    text = received.message().get_body(("plain",)).get_content()  # type: ignore[union-attr]
    for title in ("Negative share", "Negative mentions", "Slow response"):
        assert text.count(f"NEW: {title}:") == 1

    htmls = [received.message().get_body(("html",)).get_content() for received in inbox.received]
    for html in htmls:
        for tag, attrs in _tags(html):
            assert tag not in ("script", "style", "svg", "iframe", "object", "embed")
            for name, value in attrs.items():
                assert not name.startswith("on"), (tag, name)
                assert not (value or "").strip().lower().startswith(("javascript:", "data:")), (tag, value)
        assert "<script>" not in html
    assert any("&lt;script&gt;" in html for html in htmls)  # the quotes are shown, as text


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(html)
    assert parser.tags
    return parser.tags
