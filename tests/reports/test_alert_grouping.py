"""One message per brand and check: new spikes, reminders and all-clears grouped, the worst first;
the same plain words in the email and in `alerts list`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from click.testing import CliRunner
from reporting import Seeder, make_config

from reports.alert_message import reading
from reports.alerts import check_alerts
from reports.notify import DryRunNotifier
from repwatch.cli import cli
from repwatch.report_settings import alert_settings
from storage.db import Database

T = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def seed_two_bad_days(seed: Seeder) -> None:
    """Five weeks of neutral posts (3 a day about slow responses), then on the 24th and the 25th
    twelve negative slow-response complaints each: theme, negative volume and share all spike."""
    seed.source("forum")
    start = T - timedelta(days=40)
    for hour in range(0, 44 * 24 - 1, 2):
        seed.mention("forum", start + timedelta(hours=hour), f"ordinary post {hour}",
                     sentiment="neutral", themes={"slow_response": 0.5} if hour % 8 == 0 else {})
    for day in (24, 25):
        for index in range(12):
            seed.mention("forum", datetime(2026, 11, day, 8, 2 + 4 * index, tzinfo=UTC),
                         f"Day {day}: waited {index + 20} minutes on hold", sentiment="negative",
                         negative_score=0.8 + index / 100, themes={"slow_response": 0.7})
    seed.flush()


def test_new_spikes_reminders_and_all_clears_each_come_as_one_message(
    sqlite_database: Database
) -> None:
    seed_two_bad_days(Seeder(sqlite_database))
    config = make_config()
    outbox = DryRunNotifier()

    def check(day: int, hour: int) -> list[str]:
        before = len(outbox.sent)
        summary = check_alerts(sqlite_database, alert_settings(config), datetime(2026, 11, day, hour, tzinfo=UTC),
                               [outbox])
        assert len(outbox.sent) - before == summary.delivered
        return summary.fired or summary.repeated or summary.resolved

    fired = check(25, 1)
    reminded = check(26, 1)
    resolved = check(27, 3)
    assert len(fired) == len(reminded) == len(resolved) == 3
    assert [len(m.text.split("\n\nNEW: ")) - 1 for m in outbox.sent] == [3, 0, 0]
    new, still, clear = (m.text for m in outbox.sent)
    assert still.count("STILL HIGH: ") == 3 and clear.count("BACK TO NORMAL: ") == 3
    assert outbox.sent[0].subject.endswith("(+2 more)")
    assert outbox.sent[1].subject.startswith("[repwatch] Acme: still high: ")
    assert outbox.sent[2].subject.startswith("[repwatch] Acme: ") and "back to normal" in (
        outbox.sent[2].subject)
    assert [len(m.images) for m in outbox.sent] == [1, 1, 0]
    # the worst (least likely) reading leads; each reading is there once
    assert new.index("NEW: Negative share") < new.index("NEW: Slow response")
    assert "NEW: Slow response: 15 mentions in one day, usually about 3" in new
    assert "NEW: Negative mentions: 12 in one day, usually under 1" in new


def test_alerts_list_and_status_use_the_words_of_the_email(sqlite_database: Database, tmp_path) -> None:
    seed_two_bad_days(Seeder(sqlite_database))
    path = tmp_path / "config.yaml"
    path.write_text(f"database: {{url: '{sqlite_database.url}'}}\nbrands: [{{name: Acme}}]\n"
                    "digest: {timezone: Europe/London}\nalerts: {min_count: 5}\n")
    check_alerts(sqlite_database, alert_settings(make_config()), datetime(2026, 11, 25, 1, tzinfo=UTC),
                 [DryRunNotifier()])
    check_alerts(sqlite_database, alert_settings(make_config()), datetime(2026, 11, 26, 1, tzinfo=UTC),
                 [DryRunNotifier()])
    result = CliRunner().invoke(cli, ["--config", str(path), "alerts", "list", "--now",
                                      "2026-11-26T02:00:00+00:00"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert ("FIRING    Acme: Slow response: 30 mentions in 2 days, usually about 6 "
            "(since 2026-11-24 00:00)") in lines
    assert "          alert by dry-run: sent 2026-11-25 01:00" in lines
    assert "          reminder 1 by dry-run: sent 2026-11-26 01:00" in lines
    assert "#0" not in result.output and "expected" not in result.output
    status = CliRunner().invoke(cli, ["--config", str(path), "status"])
    assert status.exit_code == 0, status.output
    assert ("Acme: Slow response: 30 mentions in 2 days, usually about 6 (since "
            in " ".join(status.output.split()))


def test_readings_in_plain_words() -> None:
    assert reading("theme:slow_response", "daily", 2, 61, 9.6) == (
        "61 mentions in 2 days, usually about 10")
    assert reading("negative_volume", "hourly", 1, 12, 0.3) == "12 in one hour, usually under 1"
    assert reading("negative_volume", "daily", 1, 1480, 612.4) == (
        "1480 in one day, usually about 610")
    assert reading("negative_share", "daily", 1, 0.48, 0.2) == (
        "48% of mentions negative in one day, usually about 20%")
