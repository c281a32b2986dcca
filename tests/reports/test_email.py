"""Digests and alerts delivered to a real SMTP server on loopback, then parsed back."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from reporting import SMTP_PASSWORD, SMTP_USER, Seeder, SmtpServer, make_config

from reports.alerts import check_alerts
from reports.digest import DigestReport, build_digest, send_digest
from reports.mail import Message, to_mime
from reports.notify import DeliveryError, EmailNotifier
from reports.periods import Week
from reports.safety import UnsafeHeader
from repwatch.config import Config, SmtpConfig
from repwatch.report_settings import alert_channels, alert_settings
from storage.db import Database

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
SMTP_EXTRA = """\
smtp:
  host: 127.0.0.1
  port: {port}
  tls: {tls}
  sender: repwatch@example.com
  timeout_seconds: 5
{login}digest:
  timezone: Europe/London
  trend_weeks: 8
  recipients: ["brand-team@example.com", "cmo@example.com"]
alerts:
  min_count: 5
  recipients: ["support-lead@example.com"]
"""
LOGIN = f"  user: {SMTP_USER}\n  password_env: REPWATCH_TEST_SMTP_PASSWORD\n"
RECIPIENTS = ("brand-team@example.com", "cmo@example.com")


def mail_config(port: int, tls: str = "none", login: bool = False) -> Config:
    text = SMTP_EXTRA.format(port=port, tls=tls, login=LOGIN if login else "")
    base = make_config()
    extra = make_config(text.replace("digest:", "digest:", 1),
                        env={"REPWATCH_TEST_SMTP_PASSWORD": "x"})
    return base.model_copy(update={"smtp": extra.smtp, "digest": extra.digest,
                                   "alerts": extra.alerts})


@pytest.fixture
def digest(sqlite_database: Database, tmp_path: Path) -> DigestReport:
    seed = Seeder(sqlite_database)
    seed.source("appstore")
    for index in range(4):
        seed.mention("appstore", datetime(2026, 11, 17 + index, 10, tzinfo=UTC),
                     f"Complaint number {index} about waiting on hold forever and ever",
                     sentiment="negative", themes={"slow_response": 0.9 - index / 10},
                     author=f"user{index}", url=f"https://apps.example/{index}")
    seed.flush()
    return build_digest(sqlite_database, make_config().digest_settings(), "Acme", Week(2026, 47), NOW, tmp_path)


def parts(message: EmailMessage) -> list[str]:
    return [part.get_content_type() for part in message.walk()]


def test_the_digest_arrives_with_text_html_and_inline_charts(
    digest: DigestReport, sqlite_database: Database, smtp_server: SmtpServer
) -> None:
    config = mail_config(smtp_server.port)
    assert send_digest(sqlite_database, digest, RECIPIENTS, EmailNotifier(config.smtp), NOW)  # type: ignore[arg-type]
    [received] = smtp_server.inbox.received
    assert received.mail_from == "repwatch@example.com"
    assert received.rcpt_tos == ["brand-team@example.com", "cmo@example.com"]
    message = received.message()
    assert message["Subject"] == "[repwatch] Acme: weekly digest 2026-W47 (2 source problems)"
    assert message["To"] == "brand-team@example.com, cmo@example.com"
    assert parts(message) == ["multipart/alternative", "text/plain", "multipart/related",
                              "text/html", "image/png", "image/png"]
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    assert text.get_content().replace("\r\n", "\n") == digest.text
    html_source = html.get_content()
    assert "Complaint number 0 about waiting on hold" in html_source
    images = [part for part in message.walk() if part.get_content_type() == "image/png"]
    for image in images:
        cid = image["Content-ID"].strip("<>")
        assert f'src="cid:{cid}"' in html_source
        assert image.get_content_disposition() == "inline"
        assert image.get_content() == digest.charts[cid]
        assert image.get_content()[:8] == b"\x89PNG\r\n\x1a\n"
    assert {image["Content-ID"] for image in images} == {f"<{cid}>" for cid in digest.charts}


def test_a_digest_is_not_sent_twice_unless_asked(
    digest: DigestReport, sqlite_database: Database, smtp_server: SmtpServer
) -> None:
    config = mail_config(smtp_server.port)
    notifier = EmailNotifier(config.smtp)  # type: ignore[arg-type]
    assert send_digest(sqlite_database, digest, RECIPIENTS, notifier, NOW)
    assert not send_digest(sqlite_database, digest, RECIPIENTS, notifier, NOW)
    assert len(smtp_server.inbox.received) == 1
    assert send_digest(sqlite_database, digest, RECIPIENTS, notifier, NOW, resend=True)
    assert len(smtp_server.inbox.received) == 2
    first, again = (received.message()["Message-ID"] for received in smtp_server.inbox.received)
    assert first == again and first.endswith("@example.com>")  # a repeat the client can drop
    rebuilt = build_digest(sqlite_database, make_config().digest_settings(), "Acme", Week(2026, 47), NOW,
                           digest.archive_path.parent.parent.parent)  # type: ignore[union-attr]
    assert rebuilt.id == digest.id
    assert not send_digest(sqlite_database, rebuilt, RECIPIENTS, notifier, NOW)  # not a resend
    assert len(smtp_server.inbox.received) == 2


def test_a_failed_digest_delivery_leaves_it_unsent(
    digest: DigestReport, sqlite_database: Database, smtp_server: SmtpServer
) -> None:
    dead = mail_config(smtp_server.port + 1 if smtp_server.port < 65535 else 1)
    with pytest.raises(DeliveryError, match=r"SMTP 127\.0\.0\.1"):
        send_digest(sqlite_database, digest, RECIPIENTS, EmailNotifier(dead.smtp), NOW)  # type: ignore[arg-type]
    assert send_digest(sqlite_database, digest, RECIPIENTS,
                       EmailNotifier(mail_config(smtp_server.port).smtp), NOW)  # type: ignore[arg-type]


def seed_spike(database: Database) -> None:
    seed = Seeder(database)
    seed.source("forum")
    start = datetime(2026, 10, 1, tzinfo=UTC)
    for hour in range(0, int((NOW - start).total_seconds() // 3600) - 1, 3):
        seed.mention("forum", start + timedelta(hours=hour), "ordinary post", sentiment="neutral",
                     themes={"slow_response": 0.6} if hour % 24 == 0 else {})
    for index in range(12):
        seed.mention("forum", NOW - timedelta(minutes=55 - index),
                     f"Still on hold after {index + 1} hours, <b>nobody</b> answers", author=f"caller{index}",
                     sentiment="negative", themes={"slow_response": 0.8 + index / 100},
                     url="javascript:alert(1)" if index % 2 else f"https://forum.example/t/{index}")
    seed.flush()


def test_one_alert_email_per_brand_says_what_how_much_since_when_with_examples_and_a_chart(
    sqlite_database: Database, smtp_server: SmtpServer
) -> None:
    seed_spike(sqlite_database)
    config = mail_config(smtp_server.port)
    config = config.model_copy(update={"alerts": config.alerts.model_copy(
        update={"digest_url": "https://reports.example/digests/"})})
    summary = check_alerts(sqlite_database, alert_settings(config), NOW, [EmailNotifier(config.smtp)])  # type: ignore[arg-type]
    assert sorted(summary.fired) == ["Acme|negative_share", "Acme|negative_volume",
                                     "Acme|theme:slow_response"]
    assert summary.delivered == 1 and not summary.failed
    [received] = smtp_server.inbox.received
    assert received.rcpt_tos == ["support-lead@example.com"]
    message = received.message()
    assert message["Subject"] == ("[repwatch] Acme: Negative share: 100% of mentions negative in "
                                  "one hour, usually under 1% (+2 more)")
    assert parts(message) == ["multipart/alternative", "text/plain", "multipart/related",
                              "text/html", "image/png"]
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    assert text.startswith("repwatch alerts for Acme: 3 new\n")
    assert "NEW: Slow response: 12 mentions in one hour, usually under 1\n" in text
    assert "NEW: Negative mentions: 12 in one hour, usually under 1\n" in text
    assert "Tue 24 Nov 08:00\u201309:00 (Europe/London); spiking since Tue 24 Nov 08:00." in text
    assert "Chance" not in text and "count-model" not in text and "expected" not in text
    assert '"Still on hold after 12 hours, <b>nobody</b> answers"' in text
    assert "https://forum.example/t/11" not in text  # odd ones carry a javascript: link
    assert "https://forum.example/t/10" in text
    assert "Weekly digest: https://reports.example/digests/" in text
    assert "Negative mentions per day, Wed 11 Nov \u2013 Tue 24 Nov 09:00: 0 0 0 0 0 0 0 0 0 0 0 0 0 12" in text
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "&lt;b&gt;nobody&lt;/b&gt;" in html and "javascript:" not in html
    assert 'href="https://reports.example/digests/"' in html
    [image] = [part for part in message.walk() if part.get_content_type() == "image/png"]
    assert f'src="cid:{image["Content-ID"].strip("<>")}"' in html
    assert image.get_content()[:8] == b"\x89PNG\r\n\x1a\n"
    assert message["Message-ID"].startswith("<alert.") and message["Message-ID"].endswith(
        "@example.com>")


def test_starttls_or_tls_with_a_login_from_the_environment(
    tls_smtp_server: tuple[str, SmtpServer], caplog: pytest.LogCaptureFixture
) -> None:
    mode, server = tls_smtp_server
    smtp = mail_config(server.port, tls=mode, login=True).smtp
    assert isinstance(smtp, SmtpConfig)
    message = Message(subject="hello", text="body", recipients=("a@example.com",))
    caplog.set_level(logging.DEBUG)
    EmailNotifier(smtp, env={"REPWATCH_TEST_SMTP_PASSWORD": SMTP_PASSWORD},
                  ssl_context=server.client_context).send(message, NOW)
    assert [r.message()["Subject"] for r in server.inbox.received] == ["hello"]
    with pytest.raises(DeliveryError) as refused:
        EmailNotifier(smtp, env={"REPWATCH_TEST_SMTP_PASSWORD": "wrong password"},
                      ssl_context=server.client_context).send(message, NOW)
    assert "SMTPAuthenticationError" in str(refused.value)
    assert "wrong password" not in str(refused.value)
    with pytest.raises(DeliveryError, match="REPWATCH_TEST_SMTP_PASSWORD .* is not set"):
        EmailNotifier(smtp, env={}, ssl_context=server.client_context).send(message, NOW)
    assert SMTP_PASSWORD not in caplog.text and "wrong password" not in caplog.text
    assert len(server.inbox.received) == 1


def test_tls_with_an_untrusted_certificate_is_refused(
    tls_smtp_server: tuple[str, SmtpServer]
) -> None:
    mode, server = tls_smtp_server
    smtp = mail_config(server.port, tls=mode, login=True).smtp
    assert isinstance(smtp, SmtpConfig)
    with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED|SSL"):
        EmailNotifier(smtp, env={"REPWATCH_TEST_SMTP_PASSWORD": SMTP_PASSWORD}).send(
            Message(subject="hello", text="body", recipients=("a@example.com",)), NOW)
    assert server.inbox.received == []


@pytest.mark.parametrize("subject", ["Weekly\r\nBcc: victim@example.com", "a\nb", "a\rb"])
def test_a_subject_with_a_line_break_is_refused(subject: str) -> None:
    with pytest.raises(UnsafeHeader, match="subject contains a line break"):
        Message(subject=subject, text="x", recipients=("a@example.com",))


@pytest.mark.parametrize("recipient", [
    "a@example.com\r\nBcc: victim@example.com", "a@example.com\n", "a@example.com, b@example.com",
    "Name <a@example.com>",
])
def test_a_recipient_that_is_not_one_plain_address_is_refused(
    recipient: str, smtp_server: SmtpServer
) -> None:
    with pytest.raises(UnsafeHeader, match="recipient"):
        Message(subject="ok", text="x", recipients=(recipient,))
    assert smtp_server.inbox.received == []


def test_a_sender_with_a_line_break_is_refused() -> None:
    with pytest.raises(UnsafeHeader, match="sender"):
        to_mime(Message(subject="ok", text="x"), "a@example.com\r\nBcc: b@example.com", NOW)


def test_channels_come_from_the_config() -> None:
    from reports.notify import DryRunNotifier, WebhookNotifier, notifiers_for

    config = mail_config(2525)
    config = config.model_copy(update={"alerts": config.alerts.model_copy(
        update={"webhook_url": "https://hooks.example.com/services/x"})})
    channels = notifiers_for(alert_channels(config))
    assert [type(c) for c in channels] == [EmailNotifier, WebhookNotifier]
    assert [c.channel for c in notifiers_for(alert_channels(config), dry_run=True)] == ["dry-run"]
    assert isinstance(notifiers_for(alert_channels(config), dry_run=True)[0], DryRunNotifier)
    quiet = config.model_copy(update={"alerts": config.alerts.model_copy(
        update={"webhook_url": None, "recipients": []})})
    assert notifiers_for(alert_channels(quiet)) == []
    from_env = quiet.model_copy(update={"alerts": quiet.alerts.model_copy(
        update={"webhook_url_env": "HOOK"})})
    (webhook,) = notifiers_for(alert_channels(from_env), env={"HOOK": "https://hooks.example.com/s/y"})
    assert isinstance(webhook, WebhookNotifier) and webhook.url == "https://hooks.example.com/s/y"
    (unset,) = notifiers_for(alert_channels(from_env), env={})  # like the SMTP password: read at send time,
    with pytest.raises(DeliveryError, match="HOOK"):  # so the alert stays pending and is retried
        unset.send(Message(subject="s", text="t"), NOW)
