"""A canary in every secret variable never shows in logs, the database, digests or errors."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from reports.notify import DeliveryError
from repwatch.config import parse_config
from repwatch.demo.data import load_items
from repwatch.demo.mailbox import Mailbox
from repwatch.demo.server import BLUESKY_PASSWORD_ENV, DemoServer
from repwatch.logs import configure_logging
from repwatch.pipeline import Pipeline
from storage import Database
from storage.models import Base

NOW = datetime(2026, 11, 25, 15, 30, tzinfo=UTC)
SMTP_CANARY = "smtp-canary-7Hq2xZ"
KEY_CANARY = "key-canary-Pw9LmV"


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def test_secrets_stay_secret_everywhere(tmp_path: Path, restore_logging: None) -> None:
    items = [item for index, item in enumerate(load_items()) if index % 10 == 0]
    with DemoServer(NOW, items) as server, Mailbox(tmp_path / "mail") as mailbox:
        bluesky_canary = server.bluesky_password
        env = {BLUESKY_PASSWORD_ENV: bluesky_canary, "SMTP_PW": SMTP_CANARY, "SE_KEY": KEY_CANARY}
        sources = [s for s in server.sources_config() if s["kind"] in ("bluesky", "hacker_news")]
        bluesky = next(s for s in sources if s["kind"] == "bluesky")
        bluesky["params"]["identifier"] = "someone-else.example"  # a failed login, with the canary
        sources.append({"name": "se", "kind": "stack_exchange", "brand": server.brand_config()["name"],
                        "params": {"sites": ["stackoverflow"], "key_env": "SE_KEY",
                                   "base_url": server.base_url}})
        raw = {
            "database": {"url": f"sqlite:///{tmp_path / 'r.db'}"},
            "brands": [server.brand_config()],
            "sources": sources,
            "network": {"allow_private_hosts": True, "min_seconds_between_requests": 0, "max_retries": 0},
            "collection": {"backfill_days": 100},
            "digest": {"timezone": "UTC", "recipients": ["team@example.com"],
                       "output_dir": str(tmp_path / "digests")},
            "alerts": {"recipients": ["lead@example.com"]},
            "smtp": {"host": "127.0.0.1", "port": mailbox.port, "tls": "none", "user": "repwatch",
                     "password_env": "SMTP_PW", "sender": "repwatch@example.com"},
        }
        config = parse_config(yaml.safe_dump(raw), env=env)
        canaries = [bluesky_canary, SMTP_CANARY, KEY_CANARY]
        assert sorted(secret_values_from(config.secret_env_names(), env)) == sorted(canaries)

        logs = io.StringIO()
        configure_logging("DEBUG", "text", secrets=canaries, stream=logs)
        database = Database(config.database.url)
        database.upgrade()
        pipeline = Pipeline(config, database, env=env, clock=lambda: NOW)
        runs = pipeline.collection.run_all()
        errors = [run.error or "" for run in runs]
        assert any("bluesky" in e for e in errors) and any("se:" in e or "source se" in e for e in errors)
        summary = pipeline.check_alerts()
        errors += summary.failed
        with pytest.raises(DeliveryError) as refused:
            pipeline.weekly_digest(send=True)
        errors.append(str(refused.value))
        logging.getLogger("repwatch.test").exception("boom", exc_info=refused.value)

    stored = []
    with database.session() as session:
        for table in Base.metadata.sorted_tables:
            stored += [repr(tuple(row)) for row in session.execute(select(table))]
    files = [p.read_text(errors="replace") for p in (tmp_path / "digests").rglob("*") if p.is_file()]
    files += [p.read_text(errors="replace") for p in (tmp_path / "mail").glob("*.eml")]
    assert stored and files and logs.getvalue()
    for canary in canaries:
        for where, texts in (("logs", [logs.getvalue()]), ("database", stored), ("files", files),
                             ("errors", errors)):
            assert not any(canary in text for text in texts), f"{canary} leaked into {where}"


def secret_values_from(names: list[str], env: dict[str, str]) -> list[str]:
    return [env[name] for name in names if name in env]


SECRET_CONFIG = """\
database:
  url: sqlite:///{db}
brands:
  - name: Acme
sources:
  - name: se
    kind: stack_exchange
    brand: Acme
    params:
      sites: [stackoverflow]
      key_env: REPWATCH_TEST_SE_KEY
alerts:
  recipients: [lead@example.com]
  webhook_url_env: REPWATCH_TEST_HOOK
smtp:
  host: 127.0.0.1
  password_env: REPWATCH_TEST_SMTP_PW
  sender: repwatch@example.com
"""


def test_a_secret_is_needed_only_where_it_is_used(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from repwatch.cli import cli

    config = tmp_path / "config.yaml"
    config.write_text(SECRET_CONFIG.format(db=tmp_path / "r.db"))
    unset = {name: None for name in ("REPWATCH_TEST_SE_KEY", "REPWATCH_TEST_HOOK", "REPWATCH_TEST_SMTP_PW")}
    runner = CliRunner(env=unset)
    for args in (["alerts", "list"], ["sources"], ["mentions", "export"], ["db", "upgrade"]):
        result = runner.invoke(cli, ["--config", str(config), *args])
        assert result.exit_code == 0, f"{args}: {result.output}"
    check = runner.invoke(cli, ["--config", str(config), "config", "check"])
    assert check.exit_code == 2
    for variable in unset:
        assert f"environment variable {variable} is not set" in check.stderr
    collect = runner.invoke(cli, ["--config", str(config), "collect"])
    assert collect.exit_code != 0
    assert "environment variable REPWATCH_TEST_SE_KEY is not set" in collect.output
    assert "Traceback" not in collect.output
