"""Upsert throughput: 200,000 synthetic mentions into a SQLite file and into PostgreSQL.

    python bench/ingest.py [--rows 200000] [--batch 1000] [--pg postgresql+psycopg://postgres@127.0.0.1/postgres]

Prints new rows/s and all-duplicate rows/s for each database, measured in the same run.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from collector.mention import Mention
from storage.db import Database
from storage.mentions import ensure_source, upsert_mentions

WORDS = ("refund", "agent", "hold", "chatbot", "waited", "app", "crash", "bill", "support", "great",
         "never", "called", "again", "ticket", "closed", "promised", "weeks", "rude", "helpful", "slow")


def synthetic(rows: int, seed: int = 7) -> list[Mention]:
    rng = random.Random(seed)
    start = datetime(2025, 11, 1, tzinfo=UTC)
    return [
        Mention(
            external_id=f"bench-{i}",
            text=" ".join(rng.choices(WORDS, k=rng.randint(8, 60))),
            published_at=start + timedelta(seconds=rng.randint(0, 365 * 86400)),
            url=f"https://example.com/review/{i}",
            author=f"user{rng.randint(1, 50000)}",
            title=" ".join(rng.choices(WORDS, k=4)),
            rating=rng.randint(1, 5),
            language="en",
            metrics={"likes": rng.randint(0, 40)},
        )
        for i in range(rows)
    ]


def timed_upsert(database: Database, mentions: list[Mention], batch: int) -> tuple[float, int]:
    started = time.perf_counter()
    new = 0
    for offset in range(0, len(mentions), batch):
        with database.session() as session:
            source = ensure_source(session, f"bench-{offset % 8}", "rss", "Bench")
            new += upsert_mentions(session, source, mentions[offset : offset + batch]).new
    return time.perf_counter() - started, new


def run(label: str, database: Database, mentions: list[Mention], batch: int) -> None:
    database.upgrade()
    seconds, new = timed_upsert(database, mentions, batch)
    again, repeated = timed_upsert(database, mentions, batch)
    print(f"{label:<11} new: {new:>7} rows in {seconds:6.2f}s = {new / seconds:>9,.0f} rows/s   "
          f"duplicates: {len(mentions)} rows in {again:6.2f}s = {len(mentions) / again:>9,.0f} rows/s "
          f"(new on repeat: {repeated})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    mentions = synthetic(args.rows)
    print(f"{args.rows} mentions in batches of {args.batch}")
    with tempfile.TemporaryDirectory() as folder:
        sqlite = Database(f"sqlite:///{Path(folder) / 'bench.db'}")
        run("SQLite", sqlite, mentions, args.batch)
        sqlite.dispose()
    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
    name = f"repwatch_bench_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        print(f"PostgreSQL  skipped: not reachable ({exc.orig})")
        return
    try:
        pg = Database(make_url(args.pg).set(database=name).render_as_string(hide_password=False))
        run("PostgreSQL", pg, mentions, args.batch)
        pg.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
