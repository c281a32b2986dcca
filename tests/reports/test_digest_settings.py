"""The digest runs on its own small settings, renders once and sends the report it is handed."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path

from reporting import Seeder, make_config

from reports.digest import build_digest, send_digest
from reports.digest_settings import DigestSettings, SourceSettings
from reports.notify import DryRunNotifier
from reports.periods import Week
from storage.db import Database

REPORTS = Path(__file__).resolve().parents[2] / "reports"
DIGEST_MODULES = ["digest.py", "digest_settings.py", "quotes.py", "render.py", "charts.py",
                  "safety.py", "periods.py"]
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_digest_modules_do_not_reach_back_into_repwatch() -> None:
    for name in DIGEST_MODULES:
        reaching_back = {module for module in imported_modules(REPORTS / name)
                         if module.split(".")[0] == "repwatch"}
        assert reaching_back == set(), name


def test_the_config_gives_the_digest_its_settings() -> None:
    config = make_config(
        "themes:\n  disabled: [slow_response]\n  custom:\n"
        "    - {name: billing_errors, description: charged twice or wrongly,"
        " examples: [a, b, c, d, e]}\n")
    settings = config.digest_settings()
    assert settings.brands == ("Acme",)
    assert "slow_response" not in settings.themes and settings.themes[-1] == "billing_errors"
    assert (settings.timezone, settings.trend_weeks) == ("Europe/London", 8)
    assert settings.sources[0] == SourceSettings("appstore", "apple_app_store", "Acme", True,
                                                 timedelta(hours=6))


def test_a_digest_built_from_plain_settings_is_sent_as_handed(
    sqlite_database: Database, tmp_path: Path
) -> None:
    seed = Seeder(sqlite_database)
    seed.source("shop", last_success_at=NOW, last_attempt_at=NOW)
    for day in range(16, 20):
        seed.mention("shop", datetime(2026, 11, day, 12, tzinfo=UTC), f"refund still missing {day}",
                     sentiment="negative", themes={"refunds": 0.9})
    seed.flush()
    settings = DigestSettings(brands=("Acme",), themes=("refunds",), trend_weeks=8,
                              sources=(SourceSettings("shop", "rss", "Acme"),), output_dir=tmp_path)
    report = build_digest(sqlite_database, settings, "Acme", Week(2026, 47), NOW)
    assert report.archive_path == (tmp_path / "acme" / "2026-W47" / "index.html").resolve()
    assert [item["theme"] for item in report.data["themes"]] == ["refunds"]
    # The archive page is the email's HTML with charts by file name instead of by Content-ID.
    page = report.archive_path.read_text()
    for cid in report.charts:
        name = cid.split(".", 1)[0]
        page = page.replace(f'src="{name}.png"', f'src="cid:{cid}"')
    assert page == report.html
    outbox = DryRunNotifier()
    assert send_digest(sqlite_database, report, ["team@example.com"], outbox, NOW)
    assert not send_digest(sqlite_database, report, ["team@example.com"], outbox, NOW)
    [message] = outbox.sent
    assert (message.text, message.html, message.recipients) == (report.text, report.html,
                                                                ("team@example.com",))
