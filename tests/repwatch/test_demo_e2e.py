"""A reduced `repwatch demo` through the same code path, then `repwatch run` holding its database."""

from __future__ import annotations

import email
import email.policy
import json
import re
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

from repwatch.demo.data import load_items
from repwatch.demo.run import WorkspaceInUse, run_demo

NOW = datetime(2026, 11, 25, 15, 30, tzinfo=UTC)  # a Wednesday: week 12 is 2026-W47


def reduced_items() -> list:
    """About a third of the brand's bundled data, keeping the planted story and the final surge
    (the competitor's reviews are left out: they would add a third to the tagging time)."""
    items = [item for item in load_items() if item.brand is None]
    return [item for index, item in enumerate(items)
            if item.surge or "language_barrier" in item.planted_themes or index % 3 == 0]


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    workspace = tmp_path_factory.mktemp("demo") / "repwatch-demo"
    items = reduced_items()
    result = run_demo(workspace, Console(quiet=True), now=NOW, items=items)
    return result, items


def test_the_digest_names_the_planted_rising_theme(demo) -> None:
    result, _ = demo
    (page,) = result.digest_paths
    data = json.loads((page.parent / "digest.json").read_text())
    assert data["period"]["label"] == "2026-W47"
    rising = [item["theme"] for item in data["rising"]]
    assert "language_barrier" in rising
    assert "language barrier" in page.read_text().lower()


def test_digest_quotes_come_from_the_data(demo) -> None:
    result, items = demo
    data = json.loads((result.digest_paths[0].parent / "digest.json").read_text())
    served = [words(f"{item.title}: {item.text}" if item.title else item.text) for item in items]
    quotes = [quote for theme in data["themes"] for quote in theme["quotes"]]
    assert quotes
    for quote in quotes:
        text = words(quote["text"]).removesuffix("…").strip()
        assert any(text in original for original in served), quote["text"]


def test_the_alert_and_the_digest_arrived_by_smtp(demo) -> None:
    result, _ = demo
    messages = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in result.emails]
    subjects = [str(m["Subject"]) for m in messages]
    assert any("digest" in s.lower() for s in subjects), subjects
    alerts = [m for m in messages if m["To"] == "support-lead@tidewell.example"]
    assert len(alerts) == 1, subjects  # what one check finds for the brand, in one message
    body = alerts[0].get_body(("plain",)).get_content()
    assert "Tidewell Mobile" in body and ", usually " in body
    assert [p.get_content_type() for p in alerts[0].walk()].count("image/png") == 1


def test_a_second_demo_starts_fresh_but_never_deletes_a_foreign_folder(tmp_path: Path) -> None:
    foreign = tmp_path / "repwatch-demo"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(WorkspaceInUse):
        run_demo(foreign, Console(quiet=True), now=NOW, items=[])
    assert (foreign / "notes.txt").read_text() == "mine"


def test_a_second_run_is_refused_while_the_first_holds_the_database(demo, tmp_path: Path) -> None:
    result, _ = demo
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database: {{url: 'sqlite:///{result.workspace / 'repwatch.db'}'}}\n"
        "brands: [{name: Tidewell Mobile}]\n"
        "alerts: {enabled: false}\n"
        "digest: {schedule: '0 8 1 1 *'}\n"
    )
    command = [sys.executable, "-m", "repwatch.cli", "--config", str(config), "run"]
    first = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        assert first.stderr is not None
        for line in first.stderr:
            if "repwatch running" in line:
                break
        second = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert second.returncode == 3
        assert f"another scheduler is running on this database (repwatch run pid={first.pid}" in second.stderr
        first.send_signal(signal.SIGTERM)
        rest = first.communicate(timeout=60)[1]
        assert first.returncode == 0 and "stopped cleanly" in rest
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
