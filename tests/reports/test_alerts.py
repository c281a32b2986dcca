"""Alert lifecycle on SQLite and PostgreSQL: fire, remind, resolve, snooze, retry, restart."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from reporting import Seeder, make_config
from sqlalchemy import select

from reports.alerts import CheckSummary, check_alerts
from reports.digest import build_digest
from reports.mail import Message
from reports.notify import DeliveryError, DryRunNotifier, WebhookNotifier
from reports.periods import Week
from repwatch.config import Config
from repwatch.report_settings import alert_settings
from storage import reports as queries
from storage.db import Database
from storage.models import Alert, Notification

T = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # a Tuesday; London is on UTC in November
KEY = "Acme|theme:slow_response"


class Flaky:
    """A channel that fails while `down` is set, as an SMTP server that is unreachable would."""

    channel = "email"

    def __init__(self) -> None:
        self.down = True
        self.sent: list[Message] = []

    def send(self, message: Message, now: datetime) -> None:
        if self.down:
            raise DeliveryError("SMTP mail.example:587: ConnectionRefusedError")
        self.sent.append(message)


def seed_history(seed: Seeder, days: int = 40, after: int = 0) -> None:
    """A mention every two hours from `days` before T to `after` days after it; every fourth is
    about slow responses (3 a day)."""
    seed.source("forum")
    start = T - timedelta(days=days)
    for hour in range(0, (days + after) * 24 - 1, 2):
        seed.mention("forum", start + timedelta(hours=hour), f"ordinary post {hour}",
                     sentiment="neutral", themes={"slow_response": 0.5} if hour % 8 == 0 else {})


def burst(seed: Seeder, hour_start: datetime, count: int = 12) -> None:
    """`count` slow-response complaints (neutral, so only the theme spikes) within one hour."""
    for index in range(count):
        seed.mention("forum", hour_start + timedelta(minutes=2 + 4 * index),
                     f"Waited {index + 20} minutes on hold at {hour_start:%H:%M}",
                     sentiment="neutral", themes={"slow_response": 0.8 + index / 100},
                     author=f"caller{index}", url=f"https://forum.example/{hour_start:%d%H}/{index}")


def notifications(database: Database) -> list[tuple[str, int, str, str]]:
    with database.session() as session:
        rows = session.scalars(select(Notification).order_by(Notification.id))
        return [(n.event, n.sequence, n.channel, n.status) for n in rows]


def test_a_spike_fires_once_and_a_restart_sends_nothing_twice(
    database: Database, seed: Seeder, config: Config
) -> None:
    seed_history(seed)
    burst(seed, T - timedelta(hours=1))
    seed.flush()
    outbox = DryRunNotifier()
    summary = check_alerts(database, alert_settings(config), T + timedelta(minutes=5), [outbox])
    assert summary.fired == [KEY] and summary.delivered == 1
    [message] = outbox.sent
    assert message.subject == "[repwatch] Acme: Slow response: 12 mentions in one hour, usually under 1"
    assert "Waited 31 minutes on hold at 08:00" in message.text  # the highest-scoring example
    assert check_alerts(database, alert_settings(config), T + timedelta(minutes=35), [outbox]).delivered == 0
    restarted = Database(database.url)
    try:
        again = check_alerts(restarted, alert_settings(config), T + timedelta(minutes=50), [DryRunNotifier()])
    finally:
        restarted.dispose()
    assert again.fired == [] and again.delivered == 0
    assert notifications(database) == [("firing", 0, "dry-run", "sent")]
    with database.session() as session:
        alert = session.scalars(select(Alert)).one()
        assert (alert.key, alert.state, alert.window) == (KEY, "firing", "hourly")
        assert alert.started_at == datetime(2026, 11, 24, 8, 0)
        assert alert.observed == 12 and alert.expected < 1


def test_it_reminds_while_firing_and_says_when_it_resolves(
    database: Database, seed: Seeder, config: Config
) -> None:
    seed_history(seed, after=4)
    burst(seed, datetime(2026, 11, 24, 8, tzinfo=UTC))
    burst(seed, datetime(2026, 11, 25, 8, tzinfo=UTC))
    seed.flush()
    outbox = DryRunNotifier()

    def check(day: int, hour: int) -> CheckSummary:
        return check_alerts(database, alert_settings(config), datetime(2026, 11, day, hour, tzinfo=UTC), [outbox])

    first = check(25, 1)  # the whole of the 24th was unusual
    assert first.fired == [KEY]
    assert check(25, 12).repeated == []  # still the 24th's spike, but not 24 hours yet
    assert check(26, 1).repeated == [KEY]  # the 25th spiked too: a reminder
    assert check(27, 3).resolved == [KEY]  # the 26th was ordinary
    assert [m.subject for m in outbox.sent] == [
        "[repwatch] Acme: Slow response: 15 mentions in one day, usually about 3",
        "[repwatch] Acme: still high: Slow response: 30 mentions in 2 days, usually about 6",
        "[repwatch] Acme: Slow response is back to normal"]
    assert "NEW: Slow response: 15 mentions in one day, usually about 3\nTue 24 Nov (Europe/London)" in (
        outbox.sent[0].text)
    assert "STILL HIGH: Slow response: 30 mentions in 2 days" in outbox.sent[1].text
    assert "Tue 24 Nov \u2013 Wed 25 Nov (Europe/London)" in outbox.sent[1].text
    assert "BACK TO NORMAL: Slow response\nSpiked from Tue 24 Nov 00:00 until Fri 27 Nov 03:00" in (
        outbox.sent[2].text)
    assert outbox.sent[2].images == ()  # no chart for an all-clear
    assert notifications(database) == [
        ("firing", 0, "dry-run", "sent"), ("repeat", 0, "dry-run", "sent"),
        ("resolved", 0, "dry-run", "sent")]
    later = check(28, 3)
    assert (later.fired, later.resolved, later.delivered) == ([], [], 0)


def test_a_snooze_mutes_until_it_expires(database: Database, seed: Seeder, config: Config) -> None:
    seed_history(seed)
    burst(seed, T - timedelta(hours=1))
    burst(seed, T + timedelta(hours=1))
    seed.flush()
    with database.session() as session:
        queries.set_snooze(session, None, "theme:slow_response", datetime(2026, 11, 24, 10, 0),
                           datetime(2026, 11, 23, 9, 0))
    outbox = DryRunNotifier()
    muted = check_alerts(database, alert_settings(config), T, [outbox])
    assert (muted.fired, muted.muted, outbox.sent) == ([], [KEY], [])
    assert check_alerts(database, alert_settings(config), T + timedelta(minutes=30), [outbox]).delivered == 0
    after = check_alerts(database, alert_settings(config), T + timedelta(hours=2), [outbox])
    assert after.fired == [KEY]
    assert [m.subject.split(":")[1] for m in outbox.sent] == [" Slow response"]
    assert notifications(database) == [("firing", 0, "dry-run", "muted"),
                                       ("firing", 1, "dry-run", "sent")]


def test_a_snooze_for_another_brand_does_not_mute(
    database: Database, seed: Seeder, config: Config
) -> None:
    seed_history(seed)
    burst(seed, T - timedelta(hours=1))
    seed.flush()
    with database.session() as session:
        queries.set_snooze(session, "Globex", "theme:slow_response", datetime(2026, 12, 1),
                           datetime(2026, 11, 23))
        queries.set_snooze(session, None, "negative_volume", datetime(2026, 12, 1),
                           datetime(2026, 11, 23))
    assert check_alerts(database, alert_settings(config), T, [DryRunNotifier()]).fired == [KEY]


def test_a_failed_delivery_is_retried_on_the_next_check_and_never_duplicated(
    database: Database, seed: Seeder, config: Config
) -> None:
    seed_history(seed)
    burst(seed, T - timedelta(hours=1))
    seed.flush()
    channel = Flaky()
    first = check_alerts(database, alert_settings(config), T, [channel])
    assert first.fired == [KEY] and first.delivered == 0
    assert first.failed == ["email: SMTP mail.example:587: ConnectionRefusedError"]
    with database.session() as session:
        row = session.scalars(select(Notification)).one()
        assert (row.status, row.attempts, row.last_error) == (
            "pending", 1, "SMTP mail.example:587: ConnectionRefusedError")
    channel.down = False
    second = check_alerts(database, alert_settings(config), T + timedelta(minutes=10), [channel])
    assert (second.fired, second.delivered) == ([], 1)
    assert check_alerts(database, alert_settings(config), T + timedelta(minutes=20), [channel]).delivered == 0
    assert len(channel.sent) == 1 and channel.sent[0].recipients == ()
    assert notifications(database) == [("firing", 0, "email", "sent")]


def test_a_preview_records_and_sends_nothing(
    database: Database, seed: Seeder, config: Config
) -> None:
    seed_history(seed)
    burst(seed, T - timedelta(hours=1))
    seed.flush()
    preview = DryRunNotifier()
    summary = check_alerts(database, alert_settings(config), T, [preview], preview=True)
    assert summary.fired == [KEY] and len(preview.sent) == 1
    with database.session() as session:
        assert session.scalars(select(Alert)).all() == []
    assert notifications(database) == []


def test_short_history_uses_ears_and_small_bursts_stay_quiet(
    sqlite_database: Database, config: Config
) -> None:
    seed = Seeder(sqlite_database)
    seed_history(seed, days=12)
    burst(seed, T - timedelta(hours=1), count=4)
    seed.flush()
    quiet = check_alerts(sqlite_database, alert_settings(config), T, [DryRunNotifier()])
    assert quiet.fired == [] and quiet.evaluated == 14  # 12 themes, negative volume and share
    burst(seed, T, count=12)
    seed.flush()
    loud = check_alerts(sqlite_database, alert_settings(config), T + timedelta(hours=1), [DryRunNotifier()])
    assert loud.fired == [KEY]
    with sqlite_database.session() as session:
        detail = session.scalars(select(Alert)).one().detail
        assert detail is not None and detail["method"] == "ears"


def test_negative_volume_and_share_alerts(sqlite_database: Database, config: Config) -> None:
    seed = Seeder(sqlite_database)
    seed_history(seed)
    for index in range(15):
        seed.mention("forum", T - timedelta(minutes=50 - index), f"awful service {index}",
                     sentiment="negative", negative_score=0.9 - index / 100)
    seed.flush()
    outbox = DryRunNotifier()
    summary = check_alerts(sqlite_database, alert_settings(config), T, [outbox])
    assert sorted(summary.fired) == ["Acme|negative_share", "Acme|negative_volume"]
    [message] = outbox.sent  # one message for the brand, the least likely reading first
    assert message.subject == ("[repwatch] Acme: Negative share: 100% of mentions negative in one "
                               "hour, usually under 1% (+1 more)")
    assert message.text.index("NEW: Negative share") < message.text.index("NEW: Negative mentions")
    assert "NEW: Negative mentions: 15 in one hour, usually under 1" in message.text
    assert '"awful service 0"' in message.text  # the most negative example first
    quotes = [line for line in message.text.splitlines() if line.startswith('- "')]
    assert len(quotes) == 6 and len(set(quotes)) == 6  # no mention quoted twice in one message


def test_the_alert_links_the_digest_by_its_configured_url_never_a_local_path(
    sqlite_database: Database, config: Config, tmp_path: Path
) -> None:
    seed = Seeder(sqlite_database)
    seed_history(seed)
    burst(seed, T - timedelta(hours=1))
    seed.flush()
    digest = build_digest(sqlite_database, config.digest_settings(), "Acme", Week(2026, 47), T, tmp_path)
    outbox = DryRunNotifier(tmp_path / "outbox")
    check_alerts(sqlite_database, alert_settings(config), T, [outbox])
    [message] = outbox.sent
    assert str(tmp_path) not in message.text + (message.html or "")
    assert digest.archive_path is not None and digest.archive_path.name not in message.text
    assert "Weekly digest" not in message.text
    assert "alerts snooze slow_response --brand \"Acme\" --for 2d" in message.text  # kept
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1

    linked = config.model_copy(update={"alerts": config.alerts.model_copy(
        update={"digest_url": "https://reports.example/acme/"})})
    burst(seed, T, count=14)
    seed.flush()
    preview = DryRunNotifier()
    check_alerts(sqlite_database, alert_settings(linked), T + timedelta(days=1, hours=1), [preview], preview=True)
    [reminder] = preview.sent
    assert "Weekly digest: https://reports.example/acme/" in reminder.text
    assert 'href="https://reports.example/acme/"' in (reminder.html or "")


def test_disabled_alerts_do_nothing(sqlite_database: Database, config: Config) -> None:
    seed = Seeder(sqlite_database)
    seed_history(seed)
    burst(seed, T - timedelta(hours=1))
    seed.flush()
    off = config.model_copy(update={"alerts": config.alerts.model_copy(update={"enabled": False})})
    outbox = DryRunNotifier()
    assert check_alerts(sqlite_database, alert_settings(off), T, [outbox]).evaluated == 0 and outbox.sent == []


def test_the_webhook_posts_slack_text_and_keeps_failures_pending(
    sqlite_database: Database, config: Config
) -> None:
    seed = Seeder(sqlite_database)
    seed_history(seed)
    burst(seed, T - timedelta(hours=1))
    seed.mention("forum", T - timedelta(minutes=1), "<!channel> & <https://evil.example|click>",
                 sentiment="neutral", themes={"slow_response": 0.99})
    seed.flush()
    posts: list[dict[str, str]] = []
    status = {"code": 500}

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/services/T000/B000/SECRET"
        posts.append(json.loads(request.content))
        return httpx.Response(status["code"], text="ok")

    url = "https://hooks.example.com/services/T000/B000/SECRET"
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        webhook = WebhookNotifier(url, client)
        failed = check_alerts(sqlite_database, alert_settings(config), T, [webhook])
        assert failed.failed == ["webhook: webhook hooks.example.com answered HTTP 500"]
        assert "SECRET" not in failed.failed[0]
        status["code"] = 200
        retried = check_alerts(sqlite_database, alert_settings(config), T + timedelta(minutes=10), [webhook])
    assert retried.delivered == 1 and len(posts) == 2 and posts[0] == posts[1]
    text = posts[1]["text"]
    assert text.startswith("*[repwatch] Acme: Slow response: 13 mentions in one hour")
    assert "&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;" in text
    assert "<!channel>" not in text


def test_an_email_channel_without_recipients_fails_clearly(
    sqlite_database: Database, config: Config
) -> None:
    from reports.notify import EmailNotifier

    smtp = make_config("smtp:\n  host: 127.0.0.1\n  sender: r@example.com\n").smtp
    assert smtp is not None
    with pytest.raises(DeliveryError, match="no recipients"):
        EmailNotifier(smtp).send(Message(subject="s", text="t"), T)
