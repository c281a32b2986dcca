"""Correcting tags: stored apart from the model's, shown everywhere, kept across re-tagging."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import yaml
from click.testing import CliRunner
from starlette.testclient import TestClient

from repwatch.cli import cli
from storage import dashboard as queries
from storage.corrections import correct_sentiment, correct_theme, mention_tags
from storage.db import Database
from storage.mentions import MentionFilter, export_rows
from storage.tagging import NewTag, store_tags
from tests.web.conftest import NOW, TODAY, csrf, seed


def test_effective_tags_follow_the_newest_correction(database: Database) -> None:
    ids = seed(database)
    mention = ids["a2"]  # model: negative, slow_response + broken_promise
    with database.session() as session:
        assert correct_sentiment(session, mention, "positive", "ana", NOW.replace(tzinfo=None))
        assert correct_theme(session, mention, "broken_promise", False, "ana", NOW.replace(tzinfo=None))
        assert correct_theme(session, mention, "hard_to_reach", True, "ana", NOW.replace(tzinfo=None))
        assert not correct_theme(session, mention, "hard_to_reach", True, "ana", NOW.replace(tzinfo=None))
    with database.session() as session:
        tags = mention_tags(session, mention)
        assert (tags.sentiment, tags.themes) == ("positive", ["hard_to_reach", "slow_response"])
        assert (tags.model_sentiment, tags.model_themes) == ("negative", ["broken_promise", "slow_response"])
        rows = {r["external_id"]: r for r in export_rows(session, MentionFilter(theme="hard_to_reach"))}
        assert set(rows) == {"a2", "a4"} and rows["a2"]["sentiment"] == "positive"
        assert [r["external_id"] for r in export_rows(session, MentionFilter(theme="broken_promise"))] == []
        start, end = (TODAY - timedelta(days=6)).replace(tzinfo=None), (TODAY + timedelta(days=1)).replace(tzinfo=None)
        assert queries.totals(queries.daily_volume(session, "Acme", start, end)).negative == 1
        counts: dict[str, int] = {}
        for row in queries.daily_themes(session, "Acme", start, end):
            counts[row.theme] = counts.get(row.theme, 0) + row.count
        assert "broken_promise" not in counts and counts["hard_to_reach"] == 2
        # back to the model's sentiment
        correct_sentiment(session, mention, None, "ana", NOW.replace(tzinfo=None))
        assert mention_tags(session, mention).sentiment == "negative"


def test_removing_a_theme_from_one_mention_leaves_the_others(database: Database) -> None:
    ids = seed(database)  # a1, a2 and a5 carry slow_response
    with database.session() as session:
        correct_theme(session, ids["a2"], "slow_response", False, "ana", NOW.replace(tzinfo=None))
    with database.session() as session:
        themes = {row["external_id"]: row["themes"] for row in export_rows(session, MentionFilter())}
    assert "slow_response" not in themes["a2"]
    assert "slow_response" in themes["a1"] and "slow_response" in themes["a5"]


def test_corrections_survive_retagging(database: Database) -> None:
    ids = seed(database)
    with database.session() as session:
        correct_sentiment(session, ids["a1"], "neutral", "ana", NOW.replace(tzinfo=None))
        correct_theme(session, ids["a1"], "slow_response", False, "ana", NOW.replace(tzinfo=None))
    with database.session() as session:  # a new model tags everything again
        store_tags(session, [NewTag(ids["a1"], "tagged", "en", "model-v2", NOW, "negative", {},
                                    {"slow_response": 0.99, "hard_to_reach": 0.5})])
    with database.session() as session:
        tags = mention_tags(session, ids["a1"])
    assert (tags.sentiment, tags.themes) == ("neutral", ["hard_to_reach"])


def test_correcting_from_the_page_records_who_and_what(client: TestClient, seeded) -> None:
    _, ids = seeded
    token = csrf(client)
    url = f"/mentions/{ids['a1']}/correct"
    assert client.post(url, data={"csrf_token": token, "sentiment": "positive", "back": "/mentions"}).status_code == 200
    client.post(url, data={"csrf_token": token, "theme": "hard_to_reach", "action": "add"})
    page = client.get(f"/mentions/{ids['a1']}").text
    assert 'class="badge s-positive">positive' in page
    assert "hard to reach" in page and "local" in page  # who: the loopback user
    assert "negative" in page  # the history's "before"
    listing = client.get("/mentions", params={"sentiment": "positive"}).text
    assert "refund" in listing
    bad = client.post(url, data={"csrf_token": token, "sentiment": "furious"})
    assert bad.status_code == 400


def test_export_corrections_writes_the_labelled_mentions(seeded, tmp_path: Path) -> None:
    database, ids = seeded
    with database.session() as session:
        correct_sentiment(session, ids["a3"], "negative", "ana", NOW.replace(tzinfo=None))
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"database": {"url": database.url}, "brands": [{"name": "Acme"}]}))
    out = tmp_path / "corrections.jsonl"
    result = CliRunner().invoke(cli, ["--config", str(config), "mentions", "export", "--corrections",
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    (row,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert (row["external_id"], row["sentiment"], row["model_sentiment"]) == ("a3", "negative", "positive")
    assert row["corrected_by"] == "ana" and row["text"].startswith("Lovely")


def test_overview_quotes_carry_the_evidence_and_a_person_added_theme_quotes_the_text(
        database: Database) -> None:
    ids = seed(database)
    with database.session() as session:
        correct_theme(session, ids["a3"], "hard_to_reach", True, "ana", NOW.replace(tzinfo=None))
    start, end = (TODAY - timedelta(days=6)).replace(tzinfo=None), (TODAY + timedelta(days=1)).replace(tzinfo=None)
    with database.reading() as session:
        quotes = {(q.theme, q.mention_id): q for q in queries.top_quotes(session, "Acme", start, end, 5)}
    assert quotes["slow_response", ids["a1"]].evidence == "Waited three hours on hold for the refund"
    assert quotes["slow_response", ids["a2"]].evidence is None  # the model gave none
    added = quotes["hard_to_reach", ids["a3"]]
    assert added.evidence is None and added.text == "Lovely new app, quick and friendly"
