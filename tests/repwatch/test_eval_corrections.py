"""`repwatch model eval --corrections` scores the bundled model on people's corrections."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from collector.mention import Mention
from repwatch.cli import cli
from storage.corrections import correct_sentiment, correct_theme
from storage.db import Database
from storage.mentions import ensure_source, upsert_mentions
from storage.models import MentionRow

NOW = datetime(2026, 12, 1, 9, 0)
TEXTS = {
    "praise": "Absolutely love this app, the support team fixed my problem in two minutes. Thank you!",
    "wait": "I have been on hold for three hours and nobody answers the phone. Still waiting for a reply.",
    "neutral": "What time does the store on Main Street open on Sunday?",
}


def test_eval_on_corrections_counts_where_the_model_agrees(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'repwatch.db'}")
    database.upgrade()
    with database.session() as session:
        source = ensure_source(session, "store", "apple_app_store", "Acme")
        upsert_mentions(session, source, [Mention(key, text, datetime(2026, 11, 30, tzinfo=UTC))
                                          for key, text in TEXTS.items()], NOW)
        ids = dict(session.query(MentionRow.external_id, MentionRow.id).all())
        correct_sentiment(session, ids["praise"], "positive", "ana", NOW)   # the model will agree
        correct_sentiment(session, ids["neutral"], "negative", "ana", NOW)  # it will not
        correct_theme(session, ids["wait"], "slow_response", True, "ana", NOW)
        correct_theme(session, ids["praise"], "slow_response", False, "ana", NOW)
        correct_theme(session, ids["neutral"], "data_privacy", True, "ana", NOW)
        correct_theme(session, ids["neutral"], "data_privacy", False, "ana", NOW)  # a revert: no label
    database.dispose()
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  url: sqlite:///{tmp_path / 'repwatch.db'}\n"
                      "brands:\n  - name: Acme\n", encoding="utf-8")

    result = CliRunner().invoke(cli, ["--config", str(config), "model", "eval", "--corrections"])

    assert result.exit_code == 0, result.output
    assert "on 4 corrections of 3 mentions" in result.stdout
    assert "| sentiment               | 0.500 (1 of 2)" in result.stdout
    assert "| theme present           | 1.000 (1 of 1)" in result.stdout
    assert "| theme absent            | 1.000 (1 of 1)" in result.stdout


def test_eval_on_corrections_without_any_says_so(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  url: sqlite:///{tmp_path / 'repwatch.db'}\n"
                      "brands:\n  - name: Acme\n", encoding="utf-8")

    result = CliRunner().invoke(cli, ["--config", str(config), "model", "eval", "--corrections"])

    assert result.exit_code == 1
    assert "no corrections stored yet" in result.output
