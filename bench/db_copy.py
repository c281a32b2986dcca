"""`repwatch db copy` throughput: a SQLite file of synthetic mentions (tagged, two themes each)
copied into a fresh PostgreSQL database, then into a fresh SQLite file.

    python bench/db_copy.py [--rows 100000] [--batch 2000] [--pg postgresql+psycopg://postgres@127.0.0.1/postgres]

Prints rows/s over all tables for each target, and the time a rerun takes to find nothing to copy.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import synthetic  # noqa: E402

from storage.copy import copy_database  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.mentions import ensure_source, upsert_mentions  # noqa: E402
from storage.models import MentionRow, MentionTheme, Tag  # noqa: E402

NOW = datetime(2026, 12, 6, tzinfo=UTC).replace(tzinfo=None)


def seed(database: Database, rows: int) -> None:
    database.upgrade()
    mentions = synthetic(rows)
    for offset in range(0, rows, 5000):
        with database.session() as session:
            source = ensure_source(session, f"bench-{offset // 5000 % 8}", "rss", "Bench")
            upsert_mentions(session, source, mentions[offset:offset + 5000])
    with database.engine.begin() as connection:
        ids = list(connection.scalars(select(MentionRow.id)))
        connection.execute(insert(Tag), [{"mention_id": i, "status": "tagged", "sentiment": "negative",
                                          "model_version": "bench", "tagged_at": NOW} for i in ids])
        connection.execute(insert(MentionTheme), [{"mention_id": i, "theme": theme, "score": 0.5}
                                                  for i in ids for theme in ("billing", "slow_response")])


def timed(source: Database, target: Database, batch: int) -> tuple[float, int]:
    started = time.perf_counter()
    tables = copy_database(source, target, batch)
    assert all(table.matches for table in tables)
    return time.perf_counter() - started, sum(table.target_rows for table in tables)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1/postgres")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        source = Database(f"sqlite:///{Path(folder) / 'source.db'}")
        seed(source, args.rows)
        admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
        name = f"repwatch_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        targets = {"postgresql": make_url(args.pg).set(database=name).render_as_string(hide_password=False),
                   "sqlite": f"sqlite:///{Path(folder) / 'target.db'}"}
        try:
            for label, url in targets.items():
                target = Database(url)
                seconds, rows = timed(source, target, args.batch)
                again, _ = timed(source, target, args.batch)
                target.dispose()
                print(f"{label}: {rows:,} rows in {seconds:.1f} s ({rows / seconds:,.0f} rows/s); "
                      f"rerun with nothing to copy {again:.1f} s")
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
