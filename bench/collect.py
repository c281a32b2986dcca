"""Collecting 10,000 mentions from the eight sources: concurrently versus one after another.

A local server answers every source's real paths and payload shapes with generated mentions,
sleeping --latency seconds (default 50 ms) before each answer, as a distant API would. Each
mode starts from an empty SQLite database (or --database-url) and runs the real runner,
collectors and HTTP layer. Pacing is off (all sources share one local host; per-host pacing
would otherwise serialize them on purpose).

    python bench/collect.py [--mentions 10000] [--latency 0.05] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from repwatch.collect import collect_all  # noqa: E402
from repwatch.config import parse_config  # noqa: E402
from storage import Database  # noqa: E402

NOW = datetime.now(UTC).replace(microsecond=0)
KEYWORDS = ["AcmeTel", "Acme Telecom"]
COUNTRIES = ["us", "gb", "de"]
FEEDS = 5
SOURCES = ["apple", "play", "hn", "rss", "mastodon", "bluesky", "reddit", "stack"]


def moments(count: int) -> list[datetime]:
    return [NOW - timedelta(minutes=3 * i + 1) for i in range(count)]


class Data:
    """Every source's mentions, newest first, split the way each API splits them."""

    def __init__(self, total: int) -> None:
        share = total // len(SOURCES)
        sizes = {name: share for name in SOURCES}
        sizes["stack"] += total - share * len(SOURCES)

        def split(count: int, parts: int) -> list[int]:
            return [count // parts + (1 if i < count % parts else 0) for i in range(parts)]

        self.apple = {c: moments(n) for c, n in zip(COUNTRIES, split(sizes["apple"], 3), strict=True)}
        self.play = moments(sizes["play"])
        self.hn = {k: moments(n) for k, n in zip(KEYWORDS, split(sizes["hn"], 2), strict=True)}
        self.feeds = [moments(n) for n in split(sizes["rss"], FEEDS)]
        self.mastodon = moments(sizes["mastodon"])
        self.bluesky = {k: moments(n) for k, n in zip(KEYWORDS, split(sizes["bluesky"], 2), strict=True)}
        self.reddit = {k: moments(n) for k, n in zip(KEYWORDS, split(sizes["reddit"], 2), strict=True)}
        self.stack = {k: list(reversed(moments(n)))
                      for k, n in zip(KEYWORDS, split(sizes["stack"], 2), strict=True)}
        self.total = sum(sizes.values())


TEXT = "The {n}th note about Acme Telecom: support was slow & the bill was wrong."


def apple(data: Data, country: str, page: int) -> bytes:
    times = data.apple[country][(page - 1) * 50: page * 50]
    entries = [{
        "author": {"name": {"label": f"user{i}"}, "label": ""},
        "updated": {"label": t.isoformat()}, "im:rating": {"label": str(i % 5 + 1)},
        "im:version": {"label": "5.2"}, "id": {"label": f"{country}{page}-{i}"},
        "title": {"label": "Review"}, "content": {"label": TEXT.format(n=i), "attributes": {"type": "text"}},
        "im:voteSum": {"label": "0"}, "im:voteCount": {"label": "0"},
    } for i, t in enumerate(times)]
    feed: dict[str, Any] = {"updated": {"label": NOW.isoformat()}, "title": {"label": "Customer Reviews"}}
    if entries:
        feed["entry"] = entries
    return json.dumps({"feed": feed}).encode()


def play(data: Data, body: bytes) -> bytes:
    inner = json.loads(json.loads(parse_qs(body.decode())["f.req"][0])[0][0][1])
    page = inner[1][2]
    offset = int(page[2]) if len(page) > 2 else 0
    chosen = data.play[offset: offset + page[0]]
    reviews = [[f"gp:{offset + i}", [f"user{i}"], i % 5 + 1, None, TEXT.format(n=i),
                [int(t.timestamp()), 0], i % 3, None, None, None, "5.2"] for i, t in enumerate(chosen)]
    following = offset + page[0]
    token = str(following) if following < len(data.play) else None
    rows = [["wrb.fr", "oCPfdb", json.dumps([reviews, [None, token]]), None, None, None, "generic"]]
    return (")]}'\n\n" + json.dumps(rows)).encode()


def hn(data: Data, query: dict[str, str]) -> bytes:
    times, page = data.hn[query["query"]], int(query["page"])
    chosen = times[page * 100: page * 100 + 100]
    hits = [{"objectID": f"{query['query']}-{page}-{i}", "author": f"user{i}",
             "created_at_i": int(t.timestamp()),
             "comment_text": f"<p>{escape(TEXT.format(n=i))}</p>", "story_title": "Acme"}
            for i, t in enumerate(chosen)]
    return json.dumps({"hits": hits, "page": page, "nbPages": -(-len(times) // 100)}).encode()


def feed(data: Data, number: int) -> bytes:
    items = "".join(
        f"<item><title>Item {i}</title><link>https://news.example/{number}/{i}</link>"
        f"<guid>feed{number}-{i}</guid><pubDate>{t.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
        f"<description>{escape('<p>' + TEXT.format(n=i) + '</p>')}</description></item>"
        for i, t in enumerate(data.feeds[number])
    )
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {number}</title>'
            f"<language>en</language>{items}</channel></rss>").encode()


def mastodon(data: Data, query: dict[str, str]) -> bytes:
    count = len(data.mastodon)
    newest_id = 10**17 + count
    start = newest_id - int(query["max_id"]) if "max_id" in query else 0
    if "min_id" in query:
        return b"[]"
    chosen = data.mastodon[start: start + int(query.get("limit", 40))]
    statuses = [{"id": str(newest_id - (start + i) - 1), "created_at": t.isoformat(),
                 "uri": f"https://m.example/s/{start + i}", "url": f"https://m.example/@u/{start + i}",
                 "content": f"<p>{escape(TEXT.format(n=i))}</p>", "language": "en", "reblog": None,
                 "account": {"acct": f"user{i}", "noindex": False},
                 "favourites_count": 1, "reblogs_count": 0, "replies_count": 0}
                for i, t in enumerate(chosen)]
    return json.dumps(statuses).encode()


def bluesky(data: Data, query: dict[str, str]) -> bytes:
    times = data.bluesky[query["q"]]
    offset = int(query.get("cursor", 0))
    chosen = times[offset: offset + 100]
    tag = KEYWORDS.index(query["q"])
    posts = [{"uri": f"at://did:plc:x/app.bsky.feed.post/{tag}k{offset + i}",
              "author": {"handle": f"user{i}.bsky.social"},
              "record": {"text": TEXT.format(n=i), "createdAt": t.isoformat(), "langs": ["en"]},
              "likeCount": 1, "replyCount": 0} for i, t in enumerate(chosen)]
    body: dict[str, Any] = {"posts": posts}
    if offset + 100 < len(times):
        body["cursor"] = str(offset + 100)
    return json.dumps(body).encode()


def reddit(data: Data, query: dict[str, str]) -> bytes:
    times = data.reddit[query["q"]]
    offset = int(query["after"].rsplit("_", 1)[1]) + 1 if "after" in query else 0
    tag = "a" if query["q"] == KEYWORDS[0] else "b"
    chosen = times[offset: offset + 100]
    children = [{"kind": "t3", "data": {
        "name": f"t3_{tag}_{offset + i}", "title": "Post", "selftext": TEXT.format(n=i),
        "author": f"user{i}", "created_utc": t.timestamp(),
        "permalink": f"/r/x/comments/{offset + i}/", "score": 1, "num_comments": 0}}
                for i, t in enumerate(chosen)]
    after = f"t3_{tag}_{offset + len(chosen) - 1}" if offset + 100 < len(times) else None
    return json.dumps({"kind": "Listing", "data": {"after": after, "children": children}}).encode()


def stack(data: Data, query: dict[str, str]) -> bytes:
    times, page = data.stack[query["q"]], int(query["page"])
    chosen = times[(page - 1) * 100: page * 100]
    items = [{"question_id": hash((query["q"], page, i)) & 0x7FFFFFFF, "title": "Question",
              "body": f"<p>{escape(TEXT.format(n=i))}</p>", "creation_date": int(t.timestamp()),
              "link": "https://stackoverflow.com/q/1", "owner": {"display_name": f"user{i}"}, "score": 0}
             for i, t in enumerate(chosen)]
    return json.dumps({"items": items, "has_more": page * 100 < len(times), "quota_remaining": 9999}).encode()


def make_handler(data: Data, latency: float) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else headers and body wait on delayed ACKs (~40 ms)

        def do_GET(self) -> None:  # noqa: N802
            url = urlsplit(self.path)
            kind = "application/rss+xml" if url.path.startswith("/feeds/") else "application/json"
            self.answer(self.route_get(url), kind)

        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            path = urlsplit(self.path).path
            if path.endswith("batchexecute"):
                self.answer(play(data, body))
            elif path.endswith("createSession"):
                self.answer(b'{"accessJwt": "a", "refreshJwt": "r"}')
            else:  # reddit's token endpoint
                self.answer(b'{"access_token": "t", "token_type": "bearer", "expires_in": 86400}')

        def route_get(self, url: Any) -> bytes:
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            path = url.path
            if "/rss/customerreviews/" in path:
                parts = path.split("/")
                return apple(data, parts[1], int(parts[4].split("=")[1]))
            if path == "/api/v1/search_by_date":
                return hn(data, query)
            if path.startswith("/feeds/"):
                return feed(data, int(path.split("/")[2].split(".")[0]))
            if path.startswith("/api/v1/timelines/tag/"):
                return mastodon(data, query)
            if path.endswith("searchPosts"):
                return bluesky(data, query)
            if path == "/search":
                return reddit(data, query)
            if path == "/2.3/search/advanced":
                return stack(data, query)
            raise ValueError(path)

        def answer(self, body: bytes, kind: str = "application/json") -> None:
            time.sleep(latency)
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


def config_text(base: str, database_url: str) -> str:
    feeds = ", ".join(f'"{base}/feeds/{i}.rss"' for i in range(FEEDS))
    return f"""\
database: {{url: "{database_url}"}}
brands:
  - name: Acme Telecom
    keywords: {json.dumps(KEYWORDS)}
    hashtags: ["acmetelecom"]
    apple_app_ids: ["1234567890"]
    google_play_ids: ["com.acmetelecom.app"]
sources:
  - {{name: apple, kind: apple_app_store, brand: Acme Telecom,
      params: {{countries: {json.dumps(COUNTRIES)}, base_url: "{base}"}}}}
  - {{name: play, kind: google_play, brand: Acme Telecom, params: {{max_pages: 50, base_url: "{base}"}}}}
  - {{name: hn, kind: hacker_news, brand: Acme Telecom, params: {{base_url: "{base}"}}}}
  - {{name: rss, kind: rss, brand: Acme Telecom, params: {{urls: [{feeds}]}}}}
  - {{name: mastodon, kind: mastodon, brand: Acme Telecom, params: {{instances: ["{base}"], max_pages: 100}}}}
  - {{name: bluesky, kind: bluesky, brand: Acme Telecom,
      params: {{identifier: bench.bsky.social, app_password_env: BENCH_PASSWORD, service_url: "{base}",
               appview_url: "{base}"}}}}
  - {{name: reddit, kind: reddit, brand: Acme Telecom,
      params: {{client_id: bench, client_secret_env: BENCH_PASSWORD, api_url: "{base}", www_url: "{base}"}}}}
  - {{name: stack, kind: stack_exchange, brand: Acme Telecom, params: {{max_pages: 100, base_url: "{base}"}}}}
network: {{allow_private_hosts: true, min_seconds_between_requests: 0}}
collection: {{backfill_days: 30}}
"""


def run_mode(base: str, database_url: str, workers: int) -> tuple[float, int, int]:
    env = {"BENCH_PASSWORD": "bench"}
    config = parse_config(config_text(base, database_url), env=env)
    database = Database(database_url)
    database.upgrade()
    started = time.perf_counter()
    runs = collect_all(database, config, env=env, workers=workers)
    elapsed = time.perf_counter() - started
    database.dispose()
    failed = [run.error for run in runs if not run.ok]
    if failed:
        raise SystemExit("\n".join(str(error) for error in failed))
    return elapsed, sum(run.new for run in runs), sum(run.batches for run in runs)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mentions", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--database-url", help="a scratch database: it is migrated and its tables "
                        "emptied after each mode (default: a fresh SQLite file per mode)")
    args = parser.parse_args()
    data = Data(args.mentions)
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(data, args.latency))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    with tempfile.TemporaryDirectory() as folder:
        results = {}
        for label, workers in (("one after another", 1), ("concurrently (8)", 8)):
            url = args.database_url or f"sqlite:///{folder}/{workers}.db"
            results[label] = run_mode(base, url, workers)
            if args.database_url:
                _empty(url)
    server.shutdown()
    print(f"{data.total} mentions over 8 sources, {args.latency * 1000:.0f} ms latency per request")
    for label, (elapsed, new, batches) in results.items():
        print(f"  {label:<18} {elapsed:6.2f} s  {new / elapsed:7.0f} mentions/s  "
              f"({new} stored, {batches} batches)")
    sequential, concurrent = results["one after another"][0], results["concurrently (8)"][0]
    print(f"  speed-up: {sequential / concurrent:.1f}x")


def _empty(url: str) -> None:
    from storage.models import Base

    database = Database(url)
    with database.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    database.dispose()


if __name__ == "__main__":
    main()
