"""What delivery promises, tried with real `repwatch alerts check` processes and a slow SMTP server:
two checkers at once never send an alert twice (SQLite and PostgreSQL), and a checker killed
after the server accepted a message sends it again later with the same Message-ID."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from reporting import Inbox, Seeder, free_port

from storage.db import Database

T = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
BRANDS = ("Acme", "Globex")
CONFIG = """\
database: {{url: "{url}"}}
brands: [{{name: Acme}}, {{name: Globex}}]
digest: {{timezone: Europe/London}}
alerts: {{min_count: 5, recipients: [lead@example.com]}}
smtp: {{host: 127.0.0.1, port: {port}, tls: none, sender: repwatch@example.com, timeout_seconds: 60}}
"""


class SlowInbox(Inbox):
    """Takes `data_delay` seconds to accept each message and `quit_delay` to answer QUIT, as a
    busy mail server does; `arrived` is set when a message is in."""

    def __init__(self, data_delay: float = 0.0, quit_delay: float = 0.0) -> None:
        super().__init__()
        self.data_delay, self.quit_delay = data_delay, quit_delay
        self.arrived = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        await asyncio.sleep(self.data_delay)
        answer = await super().handle_DATA(server, session, envelope)
        self.arrived.set()
        return answer

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        await asyncio.sleep(self.quit_delay)
        return "221 Bye"


def seed_spikes(database: Database) -> None:
    """Six weeks of ordinary posts for each brand, then an hour of negative slow-response
    complaints: three alerts per brand (the theme, negative volume, negative share)."""
    seed = Seeder(database)
    for brand in BRANDS:
        source = f"forum-{brand.lower()}"
        seed.source(source, brand=brand)
        seed.ordinary_history(source, T, brand=brand)
        for index in range(12):
            seed.mention(source, T - timedelta(minutes=58 - 4 * index),
                         f"{brand}: on hold for {index + 20} minutes", sentiment="negative",
                         brand=brand, themes={"slow_response": 0.8 + index / 100})
    seed.flush()


@pytest.fixture
def sink() -> Iterator[tuple[int, SlowInbox]]:
    inbox = SlowInbox(data_delay=2.0)
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


def checker(config: Path, now: datetime) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "repwatch.cli", "--config", str(config), "alerts", "check",
               "--now", now.isoformat()]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": os.getcwd()})


def finish(run: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = run.communicate(timeout=300)
    return run.returncode, out, err


def test_two_checkers_at_once_send_each_alert_once(
    database: Database, sink: tuple[int, SlowInbox], tmp_path: Path
) -> None:
    seed_spikes(database)
    port, inbox = sink
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG.format(url=database.url, port=port))
    runs = [checker(config, T + timedelta(minutes=5)) for _ in range(2)]
    results = [finish(run) for run in runs]
    for code, _, err in results:
        assert code == 0, err
        assert "Traceback" not in err and "locked" not in err
    messages = [received.message() for received in inbox.received]
    assert sorted(str(m["Subject"]).split(":")[0] for m in messages) == [
        "[repwatch] Acme", "[repwatch] Globex"]  # one message per brand, from one checker
    sent = sum(int(out.split("; ")[1].split()[0]) for _, out, _ in results)
    assert sent == 2
    for message in messages:
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        for title in ("Negative share", "Negative mentions", "Slow response"):
            assert text.count(f"NEW: {title}:") == 1


def test_a_checker_killed_in_the_accept_window_resends_with_the_same_message_id(
    sqlite_database: Database, tmp_path: Path
) -> None:
    seed_spikes(sqlite_database)
    inbox = SlowInbox(quit_delay=60.0)  # accepted, but the client is still waiting to hang up
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG.format(url=sqlite_database.url, port=port))
    try:
        run = checker(config, T)
        arrived = inbox.arrived.wait(timeout=240)
        run.send_signal(signal.SIGKILL)
        assert arrived, finish(run)
        finish(run)
        first = inbox.received[0].message()
        inbox.quit_delay = 0.0
        code, out, err = finish(checker(config, T + timedelta(minutes=5)))
        assert code == 0 and "0 sent" in out, err  # the claim still stands: nothing now
        assert len(inbox.received) == 1
        code, out, err = finish(checker(config, T + timedelta(minutes=20)))
        assert code == 0 and "2 sent" in out, err  # the claim expired: at least once
    finally:
        controller.stop()
    repeats = [r.message() for r in inbox.received[1:]
               if str(r.message()["Subject"]) == str(first["Subject"])]
    assert len(repeats) == 1
    assert repeats[0]["Message-ID"] == first["Message-ID"]
    assert len(inbox.received) == 3  # the other brand's message too, once
