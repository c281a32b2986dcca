"""`repwatch digest` and `repwatch alerts ...` through the real CLI, on a SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from click.testing import CliRunner
from reporting import Seeder, SmtpServer

from repwatch.cli import cli
from storage.db import Database

CONFIG = """\
database:
  url: sqlite:///{db}
brands:
  - name: Acme
  - name: Globex
digest:
  timezone: Europe/London
  trend_weeks: 8
  output_dir: {out}
  recipients: ["team@example.com"]
alerts:
  min_count: 5
smtp:
  host: 127.0.0.1
  port: {port}
  tls: none
  sender: repwatch@example.com
  timeout_seconds: 5
"""
NOW = "2026-11-24T09:05:00+00:00"


@pytest.fixture
def workspace(tmp_path: Path, smtp_server: SmtpServer) -> Path:
    (tmp_path / "config.yaml").write_text(
        CONFIG.format(db=tmp_path / "r.db", out=tmp_path / "digests", port=smtp_server.port))
    database = Database(f"sqlite:///{tmp_path / 'r.db'}")
    database.upgrade()
    seed = Seeder(database)
    seed.source("forum")
    start = datetime(2026, 10, 10, tzinfo=UTC)
    for hour in range(0, 45 * 24, 2):
        seed.mention("forum", start + timedelta(hours=hour), "ordinary", sentiment="neutral",
                     themes={"slow_response": 0.5} if hour % 8 == 0 else {})
    for index in range(12):
        seed.mention("forum", datetime(2026, 11, 24, 8, 2 + index * 4, tzinfo=UTC),
                     f"on hold forever {index}", sentiment="neutral",
                     themes={"slow_response": 0.9})
    seed.flush()
    database.dispose()
    return tmp_path


def run(workspace: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(workspace / "config.yaml"), *args],
                                catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_digest_for_a_week_writes_the_archive(workspace: Path, smtp_server: SmtpServer) -> None:
    code, out, err = run(workspace, "digest", "--brand", "Acme", "--week", "2026-W47")
    assert code == 0, err
    page = workspace / "digests" / "acme" / "2026-W47" / "index.html"
    assert f"Acme 2026-W47: {page}" in out
    assert page.exists() and (workspace / "digests" / "index.html").exists()
    assert smtp_server.inbox.received == []


def test_digest_send_delivers_every_brand(workspace: Path, smtp_server: SmtpServer) -> None:
    code, out, err = run(workspace, "digest", "--week", "2026-W47", "--send",
                         "--out", str(workspace / "elsewhere"))
    assert code == 0, err
    assert out.count("sent to team@example.com") == 2
    subjects = sorted(message_from_bytes(r.content)["Subject"] for r in smtp_server.inbox.received)
    assert subjects == ["[repwatch] Acme: weekly digest 2026-W47",
                        "[repwatch] Globex: weekly digest 2026-W47"]
    assert (workspace / "elsewhere" / "globex" / "2026-W47" / "digest.md").exists()


def test_digest_dry_run_writes_eml(workspace: Path, smtp_server: SmtpServer) -> None:
    code, out, err = run(workspace, "digest", "--brand", "Acme", "--send", "--dry-run",
                         "--now", NOW)
    assert code == 0, err
    [eml] = (workspace / "digests" / "outbox").glob("*.eml")
    assert f"written to {eml} (not sent)" in out and "sent to" not in out
    assert message_from_bytes(eml.read_bytes())["Subject"] == "[repwatch] Acme: weekly digest 2026-W47"
    assert smtp_server.inbox.received == []


@pytest.mark.parametrize(("args", "message"), [
    (("--week", "2026-47"), "not an ISO week like 2026-W47"),
    (("--brand", "Nope"), "'Nope' is not a brand in the config (brands: Acme, Globex)"),
])
def test_digest_bad_options_are_named(workspace: Path, args: tuple[str, ...], message: str) -> None:
    code, _, err = run(workspace, "digest", *args)
    assert code == 2 and message in err


def test_alerts_check_list_snooze_unsnooze(workspace: Path, smtp_server: SmtpServer) -> None:
    code, out, err = run(workspace, "alerts", "check", "--dry-run", "--now", NOW)
    assert code == 0, err
    assert "--- would send: [repwatch] Acme: Slow response: 12 mentions in one hour, usually under 1" in out
    assert run(workspace, "alerts", "list", "--now", NOW)[1] == "no alerts\n"

    code, out, err = run(workspace, "alerts", "check", "--now", NOW)
    assert code == 0, err
    assert "1 fired" in out and "0 sent" in out  # no alert recipients or webhook configured
    code, out, _ = run(workspace, "alerts", "list", "--now", NOW)
    assert ("FIRING    Acme: Slow response: 12 mentions in one hour, usually under 1 "
            "(since 2026-11-24 08:00)") in out
    assert "          alert by dry-run" not in out and "#0" not in out

    code, out, _ = run(workspace, "alerts", "snooze", "slow_response", "--brand", "Acme",
                       "--for", "2d", "--now", NOW)
    assert code == 0 and "until 2026-11-26 09:05 GMT" in out
    code, out, _ = run(workspace, "alerts", "list", "--now", NOW)
    assert "snoozed   slow_response for Acme until 2026-11-26 09:05" in out
    code, out, _ = run(workspace, "alerts", "unsnooze", "slow_response", "--brand", "Acme")
    assert code == 0 and out == "unsnoozed slow_response\n"
    assert "snoozed" not in run(workspace, "alerts", "list", "--now", NOW)[1]


@pytest.mark.parametrize(("args", "message"), [
    (("snooze", "billing"), "'billing' is not a theme or metric; choose one of: language_barrier"),
    (("snooze", "slow_response"), "give exactly one of --for and --until"),
    (("snooze", "slow_response", "--for", "soon"), "'soon' is not a duration"),
    (("snooze", "slow_response", "--until", "2020-01-01"), "must be in the future"),
])
def test_snooze_mistakes_are_named(workspace: Path, args: tuple[str, ...], message: str) -> None:
    code, _, err = run(workspace, "alerts", *args)
    assert code == 2 and message in err
