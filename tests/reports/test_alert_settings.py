"""Alerts take a small settings object of their own; the alert modules never import repwatch/."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from reporting import Seeder

from reports.alerts import AlertSettings, check_alerts
from reports.notify import DryRunNotifier
from repwatch.config import ConfigError, parse_config
from storage.db import Database

REPORTS = Path(__file__).resolve().parents[2] / "reports"


@pytest.mark.parametrize("module", ["alerts", "alert_message", "notify", "mail", "spikes", "alert_chart"])
def test_alert_modules_do_not_import_the_config(module: str) -> None:
    tree = ast.parse((REPORTS / f"{module}.py").read_text())
    imported = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for alias in node.names]
    assert not [name for name in imported if name.split(".")[0] == "repwatch"]


def test_a_check_runs_on_plain_settings(sqlite_database: Database) -> None:
    seed = Seeder(sqlite_database)
    seed.source("forum")
    now = datetime(2026, 11, 24, 9, tzinfo=UTC)
    seed.ordinary_history("forum", now)
    for index in range(12):
        seed.mention("forum", now - timedelta(minutes=58 - 4 * index), f"on hold {index}",
                     sentiment="neutral", themes={"slow_response": 0.9})
    seed.flush()
    settings = AlertSettings(brands=("Acme",), themes=("slow_response",), timezone="Europe/London",
                             recipients=("lead@example.com",))
    outbox = DryRunNotifier()
    summary = check_alerts(sqlite_database, settings, now, [outbox])
    assert summary.evaluated == 3  # the one theme, negative volume, negative share
    assert summary.fired == ["Acme|theme:slow_response"]
    assert outbox.sent[0].recipients == ("lead@example.com",)


def test_a_digest_url_that_is_not_a_web_address_is_named() -> None:
    with pytest.raises(ConfigError) as refused:
        parse_config("brands: [{name: Acme}]\nalerts:\n  digest_url: /srv/digests\n", "c.yaml")
    assert "line 3: alerts.digest_url: /srv/digests is not an http:// or https:// URL" in (
        str(refused.value))
