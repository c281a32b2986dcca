"""Time to build one brand's weekly digest over a large synthetic database, SQLite and PostgreSQL.

Synthetic data: --rows mentions (default 1,000,000) of one brand over 52 weeks from 10 sources
(3 of them rated app stores), each tagged with a sentiment (2% left untagged for language) and
30% with one or two of the 12 default themes. The database is built once per size and reused.
The timing covers everything `repwatch digest` does: the queries, charts, the three renderings,
storing the digest and writing the archive.

    python bench/digest.py [--rows 1000000] [--skip-postgres] [--fresh]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reports.digest import build_digest  # noqa: E402
from reports.periods import Week  # noqa: E402
from repwatch.config import Config, SourceConfig, parse_config  # noqa: E402
from sentiment.labels import THEMES  # noqa: E402
from storage.db import Database  # noqa: E402

BRAND = "Acme"
SOURCES = [f"source-{i}" for i in range(10)]
RATED = {0, 1, 2}
WEEK = Week(2026, 47)
END = datetime(2026, 11, 23, tzinfo=UTC)  # the end of WEEK
START = END - timedelta(weeks=52)
NOW = END + timedelta(hours=9)
WORDS = ("support", "waited", "hours", "refund", "agent", "phone", "chat", "bill", "still",
         "never", "answer", "account", "app", "crash", "promised", "call", "back", "rude")
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_NAME = "repwatch_bench_digest"


def rows(count: int, seed: int = 1) -> Iterator[tuple[tuple, tuple | None, list[tuple]]]:
    """(mention, tag, themes) tuples, ids 1..count, times spread evenly with daily noise."""
    rng = random.Random(seed)
    span = (END - START).total_seconds()
    for mention_id in range(1, count + 1):
        published = START + timedelta(seconds=span * (mention_id - 0.5) / count
                                      + rng.uniform(-3600, 3600))
        published = min(max(published, START), END - timedelta(seconds=1))
        published = published.replace(tzinfo=None)
        source = rng.randrange(len(SOURCES))
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 30)))
        rating = rng.randint(1, 5) if source in RATED else None
        mention = (mention_id, source + 1, f"x{mention_id}", BRAND,
                   f"https://example.com/{mention_id}", f"user{rng.randrange(50_000)}", None,
                   text, rating, "en", published, published + timedelta(minutes=30), None)
        if rng.random() < 0.02:
            tag = (mention_id, "unsupported_language", None, None, None, None, "de", "bench",
                   published)
        else:
            sentiment = rng.choices(("negative", "neutral", "positive"), (3, 4, 3))[0]
            score = rng.random()
            tag = (mention_id, "tagged", sentiment, score, 1 - score, 0.0, "en", "bench", published)
        themes = []
        if rng.random() < 0.3:
            for theme in rng.sample(THEMES, rng.choice((1, 1, 2))):
                themes.append((mention_id, theme, round(rng.random(), 3)))
        yield mention, tag, themes


MENTION_COLUMNS = ("id, source_id, external_id, brand, url, author, title, text, rating, "
                   "language, published_at, collected_at, metrics")
TAG_COLUMNS = ("mention_id, status, sentiment, score_negative, score_neutral, score_positive, "
               "language, model_version, tagged_at")


def add_sources(database: Database) -> None:
    from storage.mentions import ensure_source

    with database.session() as session:
        for name in SOURCES:
            source = ensure_source(session, name, "rss", BRAND)
            source.last_success_at = (NOW - timedelta(hours=1)).replace(tzinfo=None)


def fill_sqlite(path: Path, count: int) -> None:
    connection = sqlite3.connect(path)
    mentions, tags, themes = [], [], []

    def flush() -> None:
        connection.executemany(f"INSERT INTO mentions ({MENTION_COLUMNS}) VALUES "
                               f"({', '.join('?' * 13)})", mentions)
        connection.executemany(f"INSERT INTO tags ({TAG_COLUMNS}) VALUES "
                               f"({', '.join('?' * 9)})", tags)
        connection.executemany("INSERT INTO mention_themes (mention_id, theme, score) "
                               "VALUES (?, ?, ?)", themes)
        mentions.clear(), tags.clear(), themes.clear()

    with connection:
        for mention, tag, mention_themes in rows(count):
            mentions.append(tuple(str(v) if isinstance(v, datetime) else v for v in mention))
            tags.append(tuple(str(v) if isinstance(v, datetime) else v for v in tag))
            themes.extend(mention_themes)
            if len(mentions) == 50_000:
                flush()
        flush()
    connection.execute("ANALYZE")
    connection.close()


def fill_postgres(database: Database, count: int) -> None:
    raw = database.engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(f"COPY mentions ({MENTION_COLUMNS}) FROM STDIN") as mentions_copy:
            for mention, _, _ in rows(count):
                mentions_copy.write_row(mention)
        with cursor.copy(f"COPY tags ({TAG_COLUMNS}) FROM STDIN") as tags_copy:
            for _, tag, _ in rows(count):
                tags_copy.write_row(tag)
        with cursor.copy("COPY mention_themes (mention_id, theme, score) FROM STDIN") as copy:
            for _, _, mention_themes in rows(count):
                for theme in mention_themes:
                    copy.write_row(theme)
        cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()


def config() -> Config:
    parsed = parse_config(f"brands:\n  - name: {BRAND}\ndigest:\n  timezone: Europe/London\n",
                          "bench", env={})
    sources = [SourceConfig(name=name, kind="rss", brand=BRAND) for name in SOURCES]
    return parsed.model_copy(update={"sources": sources})


def timed_digest(database: Database, out: Path) -> list[float]:
    times = []
    for _ in range(3):
        started = time.perf_counter()
        report = build_digest(database, config().digest_settings(), BRAND, WEEK, NOW, out)
        times.append(time.perf_counter() - started)
    total = report.data["volume"]["total"]["current"]
    print(f"    digest of {total:,} mentions this week, "
          f"{len(report.data['themes'])} themes, {len(report.html):,} bytes of HTML, "
          f"{len(report.charts)} charts of {sum(map(len, report.charts.values())):,} bytes")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached SQLite file")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "repwatch-bench")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    out = args.cache / "archive"

    path = args.cache / f"digest-{args.rows}.db"
    if args.fresh and path.exists():
        path.unlink()
    if not path.exists():
        started = time.perf_counter()
        database = Database(f"sqlite:///{path}")
        database.upgrade()
        add_sources(database)
        database.dispose()
        fill_sqlite(path, args.rows)
        print(f"SQLite: stored {args.rows:,} mentions in {time.perf_counter() - started:.0f} s")
    database = Database(f"sqlite:///{path}")
    print(f"SQLite ({path}):")
    times = timed_digest(database, out)
    database.dispose()
    print(f"    build_digest: first {times[0]:.2f} s, then {times[1]:.2f} s, {times[2]:.2f} s")

    if args.skip_postgres:
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{PG_NAME}"'))
    url = make_url(PG_ADMIN).set(database=PG_NAME).render_as_string(hide_password=False)
    database = Database(url)
    try:
        started = time.perf_counter()
        database.upgrade()
        add_sources(database)
        fill_postgres(database, args.rows)
        print(f"PostgreSQL: stored {args.rows:,} mentions in {time.perf_counter() - started:.0f} s")
        times = timed_digest(database, out)
        print(f"    build_digest: first {times[0]:.2f} s, then {times[1]:.2f} s, {times[2]:.2f} s")
    finally:
        database.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
