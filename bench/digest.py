"""Time to build one brand's weekly digest over a large synthetic database, SQLite and PostgreSQL.

Synthetic data: --rows mentions (default 1,000,000) of one brand over 52 weeks from 10 sources
(3 of them rated app stores), each tagged with a sentiment (2% left untagged for language) and
30% with one or two of the 12 default themes; and --competitor-rows mentions (default 250,000)
of each of 3 competitors, from a rated app store and a forum each. The database is built once
per size and reused. The timing covers everything `repwatch digest` does: the queries, charts,
the three renderings, storing the digest and writing the archive. It is taken twice on the same
database: with no competitors configured, then with the 3 competitors and their comparison.

    python bench/digest.py [--rows 1000000] [--competitor-rows 250000] [--skip-postgres] [--fresh]
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
COMPETITORS = ["Globex", "Initech", "Umbrella"]
WEEK = Week(2026, 47)
END = datetime(2026, 11, 23, tzinfo=UTC)  # the end of WEEK
START = END - timedelta(weeks=52)
NOW = END + timedelta(hours=9)
WORDS = ("support", "waited", "hours", "refund", "agent", "phone", "chat", "bill", "still",
         "never", "answer", "account", "app", "crash", "promised", "call", "back", "rude")
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_NAME = "repwatch_bench_digest"


def rows(count: int, seed: int = 1, brand: str = BRAND, first_id: int = 1, first_source: int = 1,
         sources: int = len(SOURCES), rated: frozenset[int] = frozenset(RATED),
         ) -> Iterator[tuple[tuple, tuple | None, list[tuple]]]:
    """(mention, tag, themes) tuples of `brand`, ids from `first_id`, from `sources` sources
    numbered from `first_source` (those at positions `rated` rated), times spread evenly with
    daily noise."""
    rng = random.Random(seed)
    span = (END - START).total_seconds()
    for number in range(1, count + 1):
        mention_id = first_id + number - 1
        published = START + timedelta(seconds=span * (number - 0.5) / count
                                      + rng.uniform(-3600, 3600))
        published = min(max(published, START), END - timedelta(seconds=1))
        published = published.replace(tzinfo=None)
        source = rng.randrange(sources)
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 30)))
        rating = rng.randint(1, 5) if source in rated else None
        mention = (mention_id, first_source + source, f"x{mention_id}", brand,
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


def streams(count: int, competitor_count: int) -> list[Iterator[tuple[tuple, tuple | None, list[tuple]]]]:
    """The brand's rows, then each competitor's (two sources each: a rated store and a forum)."""
    result = [rows(count)]
    for index, name in enumerate(COMPETITORS):
        result.append(rows(competitor_count, seed=2 + index, brand=name,
                           first_id=count + index * competitor_count + 1,
                           first_source=len(SOURCES) + 2 * index + 1, sources=2,
                           rated=frozenset({0})))
    return result


def add_sources(database: Database) -> None:
    from storage.mentions import ensure_source

    with database.session() as session:
        owners = [(name, BRAND) for name in SOURCES]
        owners += [(f"{c.lower()}-{kind}", c) for c in COMPETITORS for kind in ("store", "forum")]
        for name, owner in owners:  # created in this order: ids 1, 2, ... as `streams` expects
            source = ensure_source(session, name, "rss", owner)
            source.last_success_at = (NOW - timedelta(hours=1)).replace(tzinfo=None)


def fill_sqlite(path: Path, count: int, competitor_count: int) -> None:
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
        for stream in streams(count, competitor_count):
            for mention, tag, mention_themes in stream:
                mentions.append(tuple(str(v) if isinstance(v, datetime) else v for v in mention))
                tags.append(tuple(str(v) if isinstance(v, datetime) else v for v in tag))
                themes.extend(mention_themes)
                if len(mentions) == 50_000:
                    flush()
        flush()
    connection.execute("ANALYZE")
    connection.close()


def fill_postgres(database: Database, count: int, competitor_count: int) -> None:
    raw = database.engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(f"COPY mentions ({MENTION_COLUMNS}) FROM STDIN") as mentions_copy:
            for stream in streams(count, competitor_count):
                for mention, _, _ in stream:
                    mentions_copy.write_row(mention)
        with cursor.copy(f"COPY tags ({TAG_COLUMNS}) FROM STDIN") as tags_copy:
            for stream in streams(count, competitor_count):
                for _, tag, _ in stream:
                    tags_copy.write_row(tag)
        with cursor.copy("COPY mention_themes (mention_id, theme, score) FROM STDIN") as copy:
            for stream in streams(count, competitor_count):
                for _, _, mention_themes in stream:
                    for theme in mention_themes:
                        copy.write_row(theme)
        cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()


def config(with_competitors: bool) -> Config:
    competitors = "".join(f"  - name: {name}\n    competitor_of: [{BRAND}]\n"
                          for name in COMPETITORS)
    text = f"brands:\n  - name: {BRAND}\ndigest:\n  timezone: Europe/London\n"
    if with_competitors:
        text += f"competitors:\n{competitors}"
    parsed = parse_config(text, "bench", env={})
    sources = [SourceConfig(name=name, kind="rss", brand=BRAND) for name in SOURCES]
    return parsed.model_copy(update={"sources": sources})


def timed_digest(database: Database, out: Path, with_competitors: bool) -> list[float]:
    times = []
    for _ in range(3):
        started = time.perf_counter()
        report = build_digest(database, config(with_competitors).digest_settings(), BRAND, WEEK, NOW, out)
        times.append(time.perf_counter() - started)
    total = report.data["volume"]["total"]["current"]
    rivals = report.data["competitors"]
    compared = (f"; compared with {len(rivals['competitors'])} competitors "
                f"({sum(p['mentions'] for p in rivals['parties'][1:]):,} of their mentions)"
                if rivals else "; no competitors")
    print(f"    digest of {total:,} mentions this week, {len(report.data['themes'])} themes, "
          f"{len(report.html):,} bytes of HTML, {len(report.charts)} charts of "
          f"{sum(map(len, report.charts.values())):,} bytes{compared}")
    print(f"    build_digest: first {times[0]:.2f} s, then {times[1]:.2f} s, {times[2]:.2f} s")
    return times


def time_both(database: Database, out: Path) -> None:
    """Without competitors, then with the 3 competitors, on the same database."""
    without = timed_digest(database, out, with_competitors=False)
    with_them = timed_digest(database, out, with_competitors=True)
    print(f"    best of 3: {min(without):.2f} s without competitors, "
          f"{min(with_them):.2f} s with {len(COMPETITORS)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--competitor-rows", type=int, default=250_000,
                        help="mentions of each of the 3 competitors")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached SQLite file")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "repwatch-bench")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    out = args.cache / "archive"

    path = args.cache / f"digest-{args.rows}-c{args.competitor_rows}.db"
    if args.fresh and path.exists():
        path.unlink()
    if not path.exists():
        started = time.perf_counter()
        database = Database(f"sqlite:///{path}")
        database.upgrade()
        add_sources(database)
        database.dispose()
        fill_sqlite(path, args.rows, args.competitor_rows)
        stored = args.rows + len(COMPETITORS) * args.competitor_rows
        print(f"SQLite: stored {stored:,} mentions in {time.perf_counter() - started:.0f} s")
    database = Database(f"sqlite:///{path}")
    database.upgrade()  # a cached file from an older schema gains the newer tables
    print(f"SQLite ({path}):")
    time_both(database, out)
    database.dispose()

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
        fill_postgres(database, args.rows, args.competitor_rows)
        stored = args.rows + len(COMPETITORS) * args.competitor_rows
        print(f"PostgreSQL: stored {stored:,} mentions in {time.perf_counter() - started:.0f} s")
        time_both(database, out)
    finally:
        database.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
