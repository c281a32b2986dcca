"""The queries behind digests, alerts and status, run on a SQLite file and on PostgreSQL: the same
rows in, the same answers out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from collector.mention import Mention
from storage import reports as queries
from storage import status
from storage.db import Database
from storage.jobs import Ledger
from storage.mentions import ensure_source, upsert_mentions
from storage.models import Alert, Notification
from storage.tagging import TAGGED, UNSUPPORTED_LANGUAGE, NewTag, pending_mentions, store_tags

MONDAY = datetime(2026, 11, 16)  # naive UTC, as stored
WEEKS = [MONDAY, MONDAY + timedelta(days=7), MONDAY + timedelta(days=14)]


def add(database: Database, source: str, brand: str, rows: list[tuple[str, datetime, dict[str, object]]],
        collected_at: datetime | None = None) -> None:
    """Mentions (id, published, tag) of one source; tag holds sentiment, themes, score, language, rating."""
    with database.session() as session:
        row = ensure_source(session, source, "rss", brand)
        upsert_mentions(session, row, [
            Mention(ident, f"text of {ident}", published.replace(tzinfo=UTC), author="a", url=f"https://x/{ident}",
                    rating=tag.get("rating"))  # type: ignore[arg-type]
            for ident, published, tag in rows], collected_at or MONDAY)
        pending = {p.text.removeprefix("text of "): p.id for p in pending_mentions(session, 1000)}
        store_tags(session, [
            NewTag(pending[ident], str(tag.get("status", TAGGED)), str(tag.get("language", "en")), "v1",
                   MONDAY, sentiment=tag.get("sentiment"),  # type: ignore[arg-type]
                   scores={"negative": float(tag.get("negative", 0.1))},  # type: ignore[arg-type]
                   themes=tag.get("themes", {}))  # type: ignore[arg-type]
            for ident, _published, tag in rows if tag.get("sentiment") or tag.get("status")])


@pytest.fixture
def stocked(database: Database) -> Database:
    day = timedelta(days=1)
    add(database, "forum", "Acme", [
        ("a1", MONDAY + day, {"sentiment": "negative", "negative": 0.9, "themes": {"slow_response": 0.8},
                              "rating": 1}),
        ("a2", MONDAY + 2 * day, {"sentiment": "negative", "negative": 0.7,
                                  "themes": {"slow_response": 0.95, "billing": 0.6}, "rating": 2}),
        ("a3", MONDAY + 8 * day, {"sentiment": "positive", "rating": 5}),
        ("a4", MONDAY + 9 * day, {"sentiment": "negative", "negative": 0.8, "themes": {"billing": 0.7}}),
        ("a5", MONDAY + 9 * day + timedelta(hours=3), {"status": UNSUPPORTED_LANGUAGE, "language": "fi"}),
        ("a6", MONDAY + 10 * day, {}),  # not tagged yet
        ("old", MONDAY - day, {"sentiment": "negative"}),  # before the first edge
    ], collected_at=MONDAY + 9 * day)
    add(database, "appstore", "Acme", [("b1", MONDAY + 9 * day, {"sentiment": "neutral", "rating": 4})])
    add(database, "globex-feed", "Globex", [("g1", MONDAY + day, {"sentiment": "negative", "negative": 0.99})])
    return database


def test_volume_by_bucket_counts_per_week_source_and_sentiment(stocked: Database) -> None:
    with stocked.reading() as session:
        names = queries.source_names(session)
        rows = queries.volume_by_bucket(session, "Acme", WEEKS)
    got = sorted((r.bucket, names[r.source_id], r.sentiment or "", r.count, r.rating_sum, r.rating_count)
                 for r in rows)
    assert got == [
        (0, "forum", "negative", 2, 3, 2),
        (1, "appstore", "neutral", 1, 4, 1),
        (1, "forum", "", 2, 0, 0),  # no sentiment: the untagged one and the one in an unsupported language
        (1, "forum", "negative", 1, 0, 0),
        (1, "forum", "positive", 1, 5, 1),
    ]


def test_themes_by_bucket_counts_themes_and_their_negatives(stocked: Database) -> None:
    with stocked.reading() as session:
        rows = queries.themes_by_bucket(session, "Acme", WEEKS)
    assert sorted((r.bucket, r.theme, r.count, r.negative) for r in rows) == [
        (0, "billing", 1, 1), (0, "slow_response", 2, 2), (1, "billing", 1, 1)]


def test_top_theme_mentions_ranks_by_score_within_each_theme(stocked: Database) -> None:
    with stocked.reading() as session:
        examples = queries.top_theme_mentions(session, "Acme", WEEKS[0], WEEKS[2], per_theme=1)
        only_billing = queries.top_theme_mentions(session, "Acme", WEEKS[0], WEEKS[2], 5, themes=["billing"])
    assert [(e.key, e.text, e.score, e.source) for e in examples] == [
        ("billing", "text of a4", 0.7, "forum"), ("slow_response", "text of a2", 0.95, "forum")]
    assert [e.text for e in only_billing] == ["text of a4", "text of a2"]


def test_top_negative_mentions_is_brand_and_window_bound(stocked: Database) -> None:
    with stocked.reading() as session:
        examples = queries.top_negative_mentions(session, "Acme", WEEKS[0], WEEKS[2], limit=2)
    assert [(e.text, e.score) for e in examples] == [("text of a1", 0.9), ("text of a4", 0.8)]


def test_unsupported_languages_are_counted_per_language(stocked: Database) -> None:
    with stocked.reading() as session:
        assert queries.unsupported_languages(session, "Acme", WEEKS[0], WEEKS[2]) == [("fi", 1)]
        assert queries.unsupported_languages(session, "Acme", WEEKS[0], WEEKS[1]) == []


def test_source_states_count_what_was_collected_in_the_window(stocked: Database) -> None:
    with stocked.reading() as session:
        states = queries.source_states(session, "Acme", WEEKS[1], WEEKS[2])
    assert [(s.name, s.fetched) for s in states] == [("appstore", 0), ("forum", 7)]


def test_hourly_counts_and_first_publication(stocked: Database) -> None:
    start = MONDAY + timedelta(days=9)
    with stocked.reading() as session:
        counts = queries.hourly_counts(session, "Acme", start, start + timedelta(days=1))
        first = queries.first_published_at(session, "Acme")
        nothing = queries.first_published_at(session, "Initech")
    hour = int(start.replace(tzinfo=UTC).timestamp()) // 3600
    assert counts.total == {hour: 2, hour + 3: 1}
    assert counts.negative == {hour: 1, hour + 3: 0}
    assert counts.themes == {"billing": {hour: 1}}
    assert (first, nothing) == (MONDAY - timedelta(days=1), None)


def digest_values(brand: str, start: datetime, html: str) -> dict[str, object]:
    return {"brand": brand, "period_label": f"{start:%G-W%V}", "period_start": start,
            "period_end": start + timedelta(days=7), "created_at": start + timedelta(days=7),
            "data": {"n": 1}, "html": html, "text": "t", "markdown": "m", "charts": {}, "archive_path": None}


def test_digests_are_saved_rebuilt_listed_and_marked_sent(database: Database) -> None:
    with database.session() as session:
        first = queries.save_digest(session, digest_values("Acme", WEEKS[0], "one"))
        queries.save_digest(session, digest_values("Acme", WEEKS[1], "two"))
        queries.save_digest(session, digest_values("Globex", WEEKS[1], "g"))
        queries.mark_digest_sent(session, first.id, WEEKS[1])
    with database.session() as session:
        rebuilt = queries.save_digest(session, digest_values("Acme", WEEKS[0], "one again"))
    with database.reading() as session:
        assert rebuilt.id == first.id
        stored = queries.get_digest(session, first.id)
        assert stored is not None and (stored.html, stored.sent_at) == ("one again", WEEKS[1])
        assert [(d.brand, d.html) for d in queries.all_digests(session)] == [
            ("Acme", "two"), ("Globex", "g"), ("Acme", "one again")]
        latest = queries.latest_digest(session, "Acme")
        assert latest is not None and latest.html == "two"
        assert queries.latest_digest(session, "Initech") is None
        assert [(d.brand, d.html) for d in status.latest_digests(session)] == [("Acme", "two"), ("Globex", "g")]


def alert(key: str, state: str, started: datetime, resolved: datetime | None = None) -> Alert:
    brand, metric = key.split("|")
    return Alert(key=key, brand=brand, metric=metric, window="day", state=state, started_at=started,
                 last_spike_at=started, observed=12, expected=2.5, detail={}, resolved_at=resolved)


def notification(alert_id: int, event: str, sequence: int, created: datetime) -> Notification:
    return Notification(alert_id=alert_id, event=event, sequence=sequence, channel="email", subject="s",
                        body_text="t", body_html="h", created_at=created)


def test_alerts_and_their_notifications(database: Database) -> None:
    t = WEEKS[1]
    with database.session() as session:
        firing = queries.add_alert(session, alert("Acme|theme:billing", "firing", t))
        queries.add_alert(session, alert("Globex|negative_volume", "firing", t + timedelta(hours=1)))
        queries.add_alert(session, alert("Acme|negative_share", "resolved", t - timedelta(days=3),
                                         resolved=t - timedelta(days=2)))
        queries.add_alert(session, alert("Acme|theme:slow_response", "resolved", t - timedelta(days=9),
                                         resolved=t - timedelta(days=8)))
        assert queries.next_sequence(session, firing.id, "repeat") == 0
        queries.add_notification(session, notification(firing.id, "fired", 0, t))
        queries.add_notification(session, notification(firing.id, "repeat", 0, t + timedelta(hours=1)))
        assert queries.next_sequence(session, firing.id, "repeat") == 1
    with database.session() as session:
        first, second = (n for n, _a in queries.pending_notifications(session))
        queries.mark_notification(session, first.id, sent_at=t, error=None)
        queries.mark_notification(session, second.id, sent_at=None, error="smtp down")
        queries.mark_alert_notified(session, firing.id, t)
    with database.reading() as session:
        assert set(queries.open_alerts(session)) == {"Acme|theme:billing", "Globex|negative_volume"}
        assert set(queries.open_alerts(session, "Acme")) == {"Acme|theme:billing"}
        assert [a.key for a in queries.recent_alerts(session, t - timedelta(days=7))] == [
            "Globex|negative_volume", "Acme|theme:billing", "Acme|negative_share"]
        assert [a.key for a in status.firing_alerts(session)] == ["Acme|theme:billing", "Globex|negative_volume"]
        notes = queries.notifications_of(session, [firing.id])
        assert [(n.event, n.status, n.attempts, n.last_error) for n in notes] == [
            ("fired", "sent", 1, None), ("repeat", "pending", 1, "smtp down")]
        assert [n.event for n, _a in queries.pending_notifications(session)] == ["repeat"]
        assert queries.notifications_of(session, []) == []
        stored = session.get(Alert, firing.id)
        assert stored is not None and stored.last_notified_at == t


def test_snoozes_replace_each_other_and_expire(database: Database) -> None:
    t = WEEKS[1]
    with database.session() as session:
        queries.set_snooze(session, "Acme", "theme:billing", t + timedelta(hours=2), t)
        queries.set_snooze(session, "Acme", "theme:billing", t + timedelta(days=2), t)  # replaces
        queries.set_snooze(session, None, "negative_volume", t + timedelta(hours=1), t)
    with database.reading() as session:
        assert [(s.brand, s.metric) for s in queries.active_snoozes(session, t)] == [
            (None, "negative_volume"), ("Acme", "theme:billing")]
        assert [s.metric for s in queries.active_snoozes(session, t + timedelta(hours=1))] == ["theme:billing"]
    with database.session() as session:
        assert queries.remove_snooze(session, None, "theme:billing") == 0  # the brand's stays
        assert queries.remove_snooze(session, "Acme", "theme:billing") == 1
    with database.reading() as session:
        assert [s.metric for s in queries.active_snoozes(session, t)] == ["negative_volume"]


def test_status_counts_and_the_latest_job_runs(stocked: Database) -> None:
    ledger = Ledger(stocked)
    for fire in (WEEKS[0], WEEKS[1]):
        ledger.claim("digest", fire, fire)
        ledger.finish("digest", fire, fire, error="boom" if fire == WEEKS[1] else None)
    ledger.claim("alerts", WEEKS[0], WEEKS[0])
    with stocked.reading() as session:
        assert status.mention_count(session) == 9
        assert status.tagging_backlog(session) == 1
        assert [(j.job_id, j.status, j.fire_time) for j in status.latest_job_runs(session)] == [
            ("alerts", "running", WEEKS[0]), ("digest", "failed", WEEKS[1])]
