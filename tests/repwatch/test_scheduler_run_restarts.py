"""The real `repwatch run`, killed with SIGKILL mid-delivery and between jobs, then started again:
what reached the SMTP server (aiosmtpd on loopback) is every alert and the week's digest, each once."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from collector.mention import Mention
from storage import Database
from storage.mentions import ensure_source, upsert_mentions
from storage.tagging import TAGGED, NewTag, pending_mentions, store_tags

ROOT = Path(__file__).resolve().parents[2]
CONFIG = """\
database: {{url: 'sqlite:///{folder}/repwatch.db'}}
brands: [{{name: Acme}}]
digest: {{output_dir: {folder}/digests, recipients: [team@example.com]}}
alerts: {{min_count: 5, recipients: [oncall@example.com]}}
smtp: {{host: 127.0.0.1, port: {port}, tls: none, sender: repwatch@example.com, timeout_seconds: 60}}
"""


class Mailbox:
    """Keeps what it accepts. While `held` is set, the next message is kept waiting in DATA (the
    sender mid-delivery) and, once let go, refused without being kept: it never arrived."""

    def __init__(self) -> None:
        self.subjects: list[str] = []
        self.held = threading.Event()
        self.waiting = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.held.is_set():
            self.waiting.set()
            while self.held.is_set():
                await asyncio.sleep(0.05)
            return "451 the sender went away"
        message = message_from_bytes(envelope.original_content or envelope.content, policy=default)
        self.subjects.append(str(message["Subject"]))
        return "250 OK"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


def seed_a_spike(database: Database, now: datetime) -> None:
    """45 days of ordinary mentions, then 12 about slow responses in the last full hour: tagged, so
    the run's tagging job has nothing to do."""
    start = now - timedelta(days=45)
    mentions = [Mention(f"m{hour}", "slow reply" if hour % 8 == 0 else "ordinary", start + timedelta(hours=hour))
                for hour in range(0, 45 * 24, 2)]
    last_hour = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)  # the last full hour
    mentions += [Mention(f"s{n}", f"on hold forever {n}", last_hour + timedelta(minutes=2 + n * 4))
                 for n in range(12)]
    themes = {"slow reply": {"slow_response": 0.5}, "ordinary": {}}
    with database.session() as session:
        upsert_mentions(session, ensure_source(session, "forum", "rss", "Acme"), mentions, now)
        pending = pending_mentions(session, len(mentions))
        store_tags(session, [NewTag(row.id, TAGGED, "en", "test", now, sentiment="neutral",
                                    scores={"neutral": 1.0}, themes=themes.get(row.text, {"slow_response": 0.9}))
                             for row in pending])


def start_run(folder: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "repwatch.cli", "--config", str(folder / "config.yaml"),
                             "run"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(condition: Any, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def run_until_idle_then_stop(folder: Path, mailbox: Mailbox, expected: int) -> str:
    run = start_run(folder)
    assert run.stderr is not None
    try:
        wait_for(lambda: len(mailbox.subjects) >= expected, f"{expected} messages")
    except AssertionError:
        run.kill()
        raise AssertionError(f"{mailbox.subjects}: {run.communicate()[1]}") from None
    for line in run.stderr:
        if line.startswith("repwatch running"):
            break
    run.send_signal(signal.SIGTERM)
    _out, err = run.communicate(timeout=120)
    assert run.returncode == 0 and "stopped cleanly" in err, err
    return err


def test_killed_mid_delivery_and_between_jobs_each_message_arrives_once(
    tmp_path: Path, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    (tmp_path / "config.yaml").write_text(CONFIG.format(folder=tmp_path, port=port))
    database = Database(f"sqlite:///{tmp_path / 'repwatch.db'}")
    database.upgrade()
    if datetime.now(UTC).minute == 59:  # the spike must stay in the last full hour for the whole test
        time.sleep(61 - datetime.now(UTC).second)
    seed_a_spike(database, datetime.now(UTC))
    database.dispose()

    box.held.set()  # the first start is killed while the SMTP server holds its first message
    crashed = start_run(tmp_path)
    assert box.waiting.wait(120), "the first start never delivered anything"
    crashed.send_signal(signal.SIGKILL)
    crashed.communicate(timeout=60)
    box.held.clear()
    assert box.subjects == []

    # Started again: the interrupted alert check runs again and the digest, which never ran,
    # runs at start (not next Monday).
    run_until_idle_then_stop(tmp_path, box, expected=2)
    digests = [subject for subject in box.subjects if "weekly digest" in subject]
    alerts = [subject for subject in box.subjects if subject not in digests]
    assert alerts and len(digests) == 1, box.subjects
    assert "slow response" in " ".join(alerts).lower(), alerts

    delivered = list(box.subjects)
    time.sleep(1)  # anything still on its way
    run_until_idle_then_stop(tmp_path, box, expected=len(delivered))  # a restart between jobs
    assert Counter(box.subjects) == Counter(delivered)
    assert all(count == 1 for count in Counter(box.subjects).values()), box.subjects
