"""Chat through Apprise, against a real HTTP server on loopback: a JSON receiver and a Mattermost
incoming webhook (Slack-shaped). URLs are secrets in environment variables read at send time."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from reporting import Seeder, make_config

from reports.alerts import check_alerts
from reports.mail import Message
from reports.notify import AppriseNotifier, DeliveryError, notifiers_for
from repwatch.report_settings import alert_channels, alert_settings
from storage.db import Database

T = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
TOKEN = "s3cr3tt0k3n"


class Receiver(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.posts: list[tuple[str, dict[str, Any]]] = []
        self.status = 200

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.posts.append((self.path, json.loads(body)))
        self.send_response(self.server.status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def seed_spike(database: Database) -> None:
    seed = Seeder(database)
    seed.source("forum")
    seed.ordinary_history("forum", T)
    for index in range(12):
        seed.mention("forum", T - timedelta(minutes=58 - 4 * index), f"on hold {index} [x](javascript:y)",
                     sentiment="neutral", themes={"slow_response": 0.8 + index / 100})
    seed.flush()


def test_alerts_reach_chat_services_through_apprise_and_failures_are_retried(
    sqlite_database: Database, receiver: Receiver
) -> None:
    seed_spike(sqlite_database)
    config = make_config("alerts:\n  apprise_urls_env: [REPWATCH_TEST_JSON, REPWATCH_TEST_MM]\n")
    env = {"REPWATCH_TEST_JSON": f"json://127.0.0.1:{receiver.port}/hook",
           "REPWATCH_TEST_MM": f"mmost://127.0.0.1:{receiver.port}/{TOKEN}"}
    [chat] = notifiers_for(alert_channels(config), env=env)
    assert isinstance(chat, AppriseNotifier)

    receiver.status = 500
    failed = check_alerts(sqlite_database, alert_settings(config), T, [chat])
    assert failed.delivered == 0 and len(failed.failed) == 1
    assert "JSON (REPWATCH_TEST_JSON)" in failed.failed[0]
    assert "Mattermost (REPWATCH_TEST_MM)" in failed.failed[0] and TOKEN not in failed.failed[0]

    receiver.status = 200
    receiver.posts.clear()
    retried = check_alerts(sqlite_database, alert_settings(config), T + timedelta(minutes=10), [chat])
    assert retried.delivered == 1 and retried.failed == []
    posts = dict(receiver.posts)
    assert set(posts) == {"/hook", f"/hooks/{TOKEN}"}
    subject = "[repwatch] Acme: Slow response: 12 mentions in one hour, usually under 1"
    assert posts["/hook"]["title"] == subject
    assert "**New**: Slow response: 12 mentions in one hour, usually under 1" in (
        posts["/hook"]["message"])  # a JSON receiver takes Markdown as written
    mattermost = posts[f"/hooks/{TOKEN}"]["text"]
    assert subject in mattermost
    assert "Mute for two days: `repwatch alerts snooze slow_response --brand \"Acme\" --for 2d`" in (
        mattermost)
    assert "javascript" not in json.dumps(posts)  # chat carries our words, not the quotes
    assert check_alerts(sqlite_database, alert_settings(config), T + timedelta(minutes=20), [chat]).delivered == 0


def test_a_chat_secret_is_read_only_when_a_message_is_sent() -> None:
    config = make_config("alerts:\n  apprise_urls_env: [REPWATCH_TEST_UNSET]\n")  # no error here
    [chat] = notifiers_for(alert_channels(config), env={})
    with pytest.raises(DeliveryError, match="REPWATCH_TEST_UNSET .* is not set"):
        chat.send(Message(subject="s", text="t"), T)
    bad = AppriseNotifier(["HOOK"], env={"HOOK": "nonsense-scheme://x"})
    with pytest.raises(DeliveryError, match="HOOK does not hold an Apprise URL") as refused:
        bad.send(Message(subject="s", text="t"), T)
    assert "nonsense" not in str(refused.value)
