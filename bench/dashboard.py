"""Dashboard pages over 1,000,000 mentions on SQLite: p50/p95 per page, and the same queries alone.

The data is bench/digest.py's (one brand, 52 weeks, 10 sources, 30% with themes), stored once in
its own file and reused, plus 1,000 tag corrections so the effective-tags path is exercised.
Each page is fetched in-process through Starlette's test client (routing, queries, templates);
"queries" calls the storage functions that page uses, directly.

    python bench/dashboard.py [--rows 1000000] [--repeat 20] [--fresh]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from digest import BRAND, END, add_sources, fill_sqlite  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from repwatch.web.app import Settings, create_app  # noqa: E402
from repwatch.web.views import BrowseQuery, DateRange  # noqa: E402
from sentiment.labels import THEMES  # noqa: E402
from storage import dashboard as queries  # noqa: E402
from storage.corrections import correct_sentiment, correct_theme  # noqa: E402
from storage.db import Database  # noqa: E402

LAST_DAY = (END - timedelta(days=1)).date()
WEEK = {"brand": BRAND, "start": (LAST_DAY - timedelta(days=6)).isoformat(), "end": LAST_DAY.isoformat()}
MONTH = {"start": (LAST_DAY - timedelta(days=29)).isoformat(), "end": LAST_DAY.isoformat()}
CORRECTIONS = 1000


def add_corrections(database: Database, rows: int) -> None:
    """Corrections on the newest mentions, one in every 50 (the ones the pages show)."""
    when = END.replace(tzinfo=None)
    with database.session() as session:
        for mention_id in range(rows, max(rows - CORRECTIONS * 50, 0), -50):
            correct_sentiment(session, mention_id, "negative", "bench", when)
            correct_theme(session, mention_id, "slow_response", True, "bench", when)


def percentiles(run: Callable[[], object], repeat: int) -> tuple[float, float]:
    run()  # warm the caches once, as a browsing person would
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--seed-only", action="store_true", help="build the database and stop")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "repwatch-bench")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    path = args.cache / f"dashboard-{args.rows}.db"
    if args.fresh and path.exists():
        path.unlink()
    database = Database(f"sqlite:///{path}")
    if not path.exists() or path.stat().st_size < 100_000:
        started = time.perf_counter()
        database.upgrade()
        add_sources(database)
        fill_sqlite(path, args.rows)
        add_corrections(database, args.rows)
        print(f"stored {args.rows:,} mentions in {time.perf_counter() - started:.0f} s")
    database.upgrade()
    if args.seed_only:
        return

    app = create_app(database, Settings([BRAND], THEMES))
    client = TestClient(app, base_url="http://127.0.0.1")
    week = DateRange.parse(WEEK, LAST_DAY)
    before = week.previous()

    def overview_queries() -> None:
        with database.session() as session:
            for span in (week, before):
                queries.daily_volume(session, BRAND, span.start, span.end)
                queries.daily_themes(session, BRAND, span.start, span.end)
            queries.top_quotes(session, BRAND, week.start, week.end, 2)

    def theme_queries() -> None:
        query = BrowseQuery.parse({**WEEK, "theme": "slow_response"}, LAST_DAY)
        with database.session() as session:
            queries.daily_themes(session, BRAND, week.start, week.end, theme="slow_response")
            queries.theme_by_source(session, BRAND, "slow_response", week.start, week.end)
            queries.browse(session, query.filters, "newest", 0, 25)

    def browse_queries(params: dict[str, str]) -> Callable[[], None]:
        def run() -> None:
            query = BrowseQuery.parse(params, LAST_DAY)
            with database.session() as session:
                queries.browse(session, query.filters, query.sort, (query.page - 1) * 25, 25)
        return run

    searched = {**MONTH, "q": "refund agent", "sentiment": "negative"}
    filtered = {**MONTH, "theme": "hard_to_reach", "rating": "1", "sort": "rating_low", "page": "3"}
    cases: list[tuple[str, str, dict[str, str], Callable[[], None]]] = [
        ("overview, 7 days vs 7 before", "/overview", WEEK, overview_queries),
        ("theme page, 7 days", "/themes/slow_response", WEEK, theme_queries),
        ("mentions, 30 days, page 1", "/mentions", MONTH, browse_queries(MONTH)),
        ("mentions, 30 days, words + negative", "/mentions", searched, browse_queries(searched)),
        ("mentions, 30 days, theme + rating, page 3", "/mentions", filtered, browse_queries(filtered)),
    ]
    print(f"SQLite, {args.rows:,} mentions, {CORRECTIONS} corrections, {args.repeat} runs each "
          "(ms, p50 / p95):")
    for label, url, params, direct in cases:
        def page(url: str = url, params: dict[str, str] = params) -> None:
            response = client.get(url, params=params)
            assert response.status_code == 200, response.text[:300]

        page_p50, page_p95 = percentiles(page, args.repeat)
        query_p50, query_p95 = percentiles(direct, args.repeat)
        print(f"  {label:<44} page {page_p50:6.0f} / {page_p95:6.0f}   "
              f"queries {query_p50:6.0f} / {query_p95:6.0f}")
    database.dispose()


if __name__ == "__main__":
    main()
