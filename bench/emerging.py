"""Time the weekly emerging-complaints step for 1,000 / 5,000 / 20,000 negative mentions.

    python bench/emerging.py [--sizes 1000 5000 20000] [--threads 2]

For each size N it seeds a SQLite file with N negative mentions in the week (texts recombined
from the demo data's negative sentences, so no two are the same) and N/4 a week in each of the
8 weeks before, whose vectors are already stored, as they are in weekly operation (each week's
run embeds its own week). It then times `find_emerging` twice: cold (the week's vectors
computed) and warm (all vectors stored), and prints the clustering share.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from reports import emerging as analysis  # noqa: E402
from reports.periods import last_full_week  # noqa: E402
from repwatch.demo.data import load_items  # noqa: E402
from repwatch.emerging import EARLIER_WEEKS, find_emerging  # noqa: E402
from sentiment import Tagger  # noqa: E402
from storage import Database  # noqa: E402
from storage import emerging as queries  # noqa: E402
from storage.models import MentionRow, Source, Tag  # noqa: E402

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
ZONE = ZoneInfo("UTC")


def sentences() -> list[str]:
    pool = {part.strip() for item in load_items() if item.planted_sentiment == "negative"
            and item.language == "en" for part in re.split(r"(?<=[.!?])\s+", item.text)}
    return sorted(p for p in pool if len(p) > 15)


def seed(database: Database, size: int, rng: random.Random, pool: list[str]) -> list[int]:
    """The mentions and their tags; returns the ids of the earlier weeks' mentions."""
    week_start = last_full_week(NOW, ZONE).start_utc(ZONE)
    with database.session() as session:
        session.add(Source(id=1, name="bench", kind="rss", brand="Acme", consecutive_failures=0))
    rows, tags, earlier = [], [], []
    counts = [(0, size)] + [(w, size // 4) for w in range(1, EARLIER_WEEKS + 1)]
    for weeks_before, count in counts:
        for _ in range(count):
            mention_id = len(rows) + 1
            when = week_start - timedelta(weeks=weeks_before) + timedelta(seconds=rng.randrange(7 * 86400))
            text = " ".join(rng.sample(pool, rng.choice((1, 2, 3))))
            rows.append({"id": mention_id, "source_id": 1, "external_id": str(mention_id),
                         "brand": "Acme", "text": text, "published_at": when, "collected_at": when})
            tags.append({"mention_id": mention_id, "status": "tagged", "sentiment": "negative",
                         "model_version": "bench", "tagged_at": when})
            if weeks_before:
                earlier.append(mention_id)
    with database.session() as session:
        for start in range(0, len(rows), 5000):
            session.execute(insert(MentionRow), rows[start:start + 5000])
            session.execute(insert(Tag), tags[start:start + 5000])
    return earlier


def store_random_vectors(database: Database, ids: list[int], version: str, dim: int) -> None:
    """Vectors for the earlier weeks, as the earlier weekly runs would have left them."""
    rng = np.random.default_rng(0)
    vectors = rng.normal(0, 1, (len(ids), dim)).astype(np.float16)
    with database.session() as session:
        queries.save_vectors(session, [(i, v.tobytes()) for i, v in zip(ids, vectors, strict=True)],
                             version)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    tagger = Tagger.from_pretrained(quantize=True, threads=args.threads)
    pool = sentences()
    print(f"{len(pool)} distinct negative sentences from the demo data; tagger {tagger.version}")
    print("| negative mentions in the week | earlier weeks (stored) | cold: embed + group | warm: "
          "group only | of which clustering |")
    print("|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as folder:
            database = Database(f"sqlite:///{Path(folder) / 'bench.db'}")
            database.upgrade()
            earlier = seed(database, size, random.Random(size), pool)
            store_random_vectors(database, earlier, tagger.version, tagger.encoder.dim)
            week = last_full_week(NOW, ZONE)
            started = time.perf_counter()
            find_emerging(database, tagger, "Acme", week, ZONE, NOW)
            cold = time.perf_counter() - started
            started = time.perf_counter()
            find_emerging(database, tagger, "Acme", week, ZONE, NOW)
            warm = time.perf_counter() - started
            sample = np.random.default_rng(1).normal(0, 1, (min(size, analysis.MAX_CLUSTERED), 384))
            started = time.perf_counter()
            analysis._cluster(sample / np.linalg.norm(sample, axis=1, keepdims=True))
            clustering = time.perf_counter() - started
            database.dispose()
        print(f"| {size:,} | {len(earlier):,} | {cold:.1f} s | {warm:.1f} s | {clustering:.1f} s |",
              flush=True)


if __name__ == "__main__":
    main()
