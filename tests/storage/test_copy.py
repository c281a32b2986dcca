"""`repwatch db copy --to URL`: every table, row for row, from a SQLite file into an empty SQLite
file and into the real PostgreSQL server; an interrupted copy continues; the target takes new rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, delete, select, text

from collector.mention import Mention
from repwatch.cli import cli
from storage.db import Database
from storage.mentions import ensure_source, upsert_mentions
from storage.models import (
    Alert,
    Base,
    Digest,
    EmergingCluster,
    JobRun,
    MentionRow,
    MentionTheme,
    MentionVector,
    Notification,
    Snooze,
    Source,
    Tag,
    TagCorrection,
)

NOW = datetime(2026, 12, 6, 9, 30)
MENTIONS = 230


def seed(database: Database) -> None:
    """Rows in every table, with cursors, JSON, NULLs, unicode and gaps in the ids."""
    with database.session() as session:
        for index, (name, kind, brand) in enumerate(
            (("acme-rss", "rss", "Acme"), ("zendesk", "file_import", "Acme"), ("globex-hn", "hacker_news", "Globex"))
        ):
            source = ensure_source(session, name, kind, brand)
            source.cursor = {"feed": {"etag": f'W/"{index}"', "since": "2026-11-30T00:00:00Z"}}
            source.last_success_at, source.items_last_run = NOW, index * 7
            upsert_mentions(session, source, [
                Mention(f"{name}-{n}", f"Mention {n} of {name}: délai, 返信 \u00e9",
                        datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=n), rating=n % 5 + 1 if n % 3 else None,
                        metrics={"likes": n} if n % 2 else {})
                for n in range(MENTIONS // 3 + index)], NOW)
        session.flush()
        session.execute(delete(MentionRow).where(MentionRow.id.in_([5, 6, 7])))  # gaps, as deletes leave
        for row in session.scalars(select(MentionRow).where(MentionRow.id % 4 != 0)):
            session.add(Tag(mention_id=row.id, sentiment="negative", score_negative=0.8125,
                            score_neutral=0.125, score_positive=0.0625, language="en",
                            model_version="c037124f4a", tagged_at=NOW))
            session.add(MentionTheme(mention_id=row.id, theme="slow_response", score=0.7))
            if row.id % 3 == 0:
                session.add(MentionTheme(mention_id=row.id, theme="billing", score=0.55))
        alert = Alert(key="Acme|negative", brand="Acme", metric="negative", window="2d", state="firing",
                      started_at=NOW, last_spike_at=NOW, observed=61, expected=10.5,
                      detail={"p_value": 3e-17, "days": [1, 2]})
        session.add(alert)
        session.flush()
        session.add(Notification(alert_id=alert.id, event="fired", sequence=0, channel="email",
                                 status="sent", subject="Acme: 61 negative mentions", body_text="t",
                                 body_html="<p>t</p>", attempts=1, created_at=NOW, sent_at=NOW))
        session.add(Snooze(brand=None, metric="volume", until=NOW + timedelta(days=1), created_at=NOW))
        session.add(Digest(brand="Acme", period_label="2026-W48", period_start=NOW, period_end=NOW,
                           created_at=NOW, data={"total": 230}, html="<h1>W48</h1>", text="W48",
                           markdown="# W48", charts={"trend": "iVBORw0KGgo="}, archive_path=None))
        session.add_all(JobRun(job_id="collect:acme-rss", fire_time=NOW - timedelta(hours=h),
                               status="done", started_at=NOW, finished_at=NOW) for h in range(5))
        session.add(TagCorrection(mention_id=8, field="theme", theme="billing", before="absent",
                                  after="present", corrected_by="ana", corrected_at=NOW))
        session.add(MentionVector(mention_id=8, model_version="c037124f4a", vector=bytes(range(256)) * 3))
        session.add(EmergingCluster(brand="Acme", period_label="2026-W48", created_at=NOW, status="new",
                                    label="charged twice", count=61, data={"quotes": ["délai"]}))


def every_row(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    with database.engine.connect() as connection:
        return {table.name: [tuple(row) for row in connection.execute(
                    select(table).order_by(*table.primary_key.columns))]
                for table in Base.metadata.sorted_tables}


def copy(source_db: Path, target_url: str, *options: str) -> tuple[int, str, str]:
    config = source_db.parent / "config.yaml"
    config.write_text(f"database:\n  url: sqlite:///{source_db}\nbrands:\n  - name: Acme\n  - name: Globex\n")
    result = CliRunner().invoke(cli, ["--config", str(config), "db", "copy", "--to", target_url, *options])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def source(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'old.db'}")
    database.upgrade()
    seed(database)
    yield database
    database.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def target_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a new SQLite file, or the PostgreSQL test database with nothing in it."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'new.db'}"
    url: str = request.getfixturevalue("postgres_server_url")
    engine = create_engine(url)
    Base.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
    return url


def test_copy_moves_every_row_of_every_table_and_continues_after_an_interruption(
    source: Database, target_url: str, tmp_path: Path
) -> None:
    expected = every_row(source)
    assert all(expected.values()), "the seed must fill every table"
    code, out, err = copy(tmp_path / "old.db", target_url, "--batch-size", "40")
    assert code == 0, out + err
    assert f"done: {len(Base.metadata.tables)} tables, every count matches" in out
    target = Database(target_url)
    try:
        assert every_row(target) == expected

        # As if the copy had died after the first batches of mentions and before job_runs.
        with target.session() as session:
            session.execute(delete(MentionRow).where(MentionRow.id > 100))  # tags and themes cascade
            session.execute(delete(JobRun))
        code, out, err = copy(tmp_path / "old.db", target_url, "--batch-size", "40")
        assert code == 0, out + err
        copied = {line.split()[0]: int(line.split()[1].replace(",", "")) for line in out.splitlines()
                  if line.startswith("  ")}
        assert copied["sources"] == 0 and copied["alerts"] == 0
        assert copied["mentions"] == len([r for r in expected["mentions"] if r[0] > 100])
        assert copied["job_runs"] == 5
        assert every_row(target) == expected

        # The copy is a working database: new rows get fresh ids after the copied ones.
        with target.session() as session:
            stored = upsert_mentions(session, ensure_source(session, "acme-rss", "rss", "Acme"),
                                     [Mention("new-1", "after the move", datetime.now(UTC))])
            session.add(Alert(key="Globex|volume", brand="Globex", metric="volume", window="1d",
                              state="firing", started_at=NOW, last_spike_at=NOW, observed=1, expected=1))
            session.add(Source(name="new-source", kind="rss", brand="Acme", consecutive_failures=0))
        assert stored.new == 1
        with target.session() as session:
            newest = session.scalar(select(MentionRow).where(MentionRow.external_id == "new-1"))
            assert newest is not None and newest.id == max(r[0] for r in expected["mentions"]) + 1
    finally:
        target.dispose()


def test_copy_refuses_a_target_holding_other_data(source: Database, tmp_path: Path) -> None:
    other = Database(f"sqlite:///{tmp_path / 'used.db'}")
    other.upgrade()
    with other.session() as session:
        upsert_mentions(session, ensure_source(session, "elsewhere", "rss", "Acme"),
                        [Mention(f"x{n}", "other data", datetime.now(UTC)) for n in range(3)])
    other.dispose()
    code, out, err = copy(tmp_path / "old.db", f"sqlite:///{tmp_path / 'used.db'}")
    assert code == 2
    assert "error: the target already holds other data (sources (1,) differs)" in err
    used = Database(f"sqlite:///{tmp_path / 'used.db'}")
    with used.session() as session:  # nothing of it was touched
        assert [s.name for s in session.scalars(select(Source))] == ["elsewhere"]
        assert len(session.scalars(select(MentionRow)).all()) == 3
    used.dispose()


def test_copy_refuses_itself_and_a_dead_target(source: Database, tmp_path: Path) -> None:
    code, _, err = copy(tmp_path / "old.db", f"sqlite:///{tmp_path / 'old.db'}")
    assert code == 2 and "the target is the source database" in err
    code, _, err = copy(tmp_path / "old.db", "postgresql+psycopg://postgres@127.0.0.1:1/none")
    assert code == 2 and "cannot reach database postgresql+psycopg://postgres@127.0.0.1:1/none" in err


def test_copy_waits_for_no_scheduler(source: Database, tmp_path: Path) -> None:
    from storage.locks import acquire_scheduler_lock

    lock = acquire_scheduler_lock(source)  # as `repwatch run` holds it
    try:
        code, _, err = copy(tmp_path / "old.db", f"sqlite:///{tmp_path / 'new.db'}")
    finally:
        lock.release()
    assert code == 1
    assert "another scheduler is running on this database" in err and "stop `repwatch run` before copying" in err
    assert not (tmp_path / "new.db").exists()
