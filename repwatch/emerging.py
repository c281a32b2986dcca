"""The weekly emerging-complaints step: the week's negative mentions, their vectors, their groups.

Vectors come from the tagger's encoder and are kept in the database per model version, so each
mention is embedded once; the groups found are stored for the digest, `repwatch emerging` and
`repwatch emerging promote`.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np

from reports.emerging import Complaint, find_clusters
from reports.periods import Week, last_full_week
from repwatch.tagging import text_of
from storage import Database
from storage import emerging as queries
from storage.mentions import as_utc, utc_naive
from storage.tagging import PendingMention

if TYPE_CHECKING:
    from repwatch.config import Config
    from sentiment import Tagger

EARLIER_WEEKS = 8  # how far back "new" looks: two months outlast a release cycle or a billing cycle
WEEK_SECONDS = 7 * 24 * 3600
MIN_EXAMPLES = 5  # what a custom theme needs (repwatch.config.CustomTheme)


def _vectors(database: Database, tagger: Tagger, mentions: list[queries.NegativeMention],
             texts: dict[int, str]) -> np.ndarray:
    """Unit vectors for `mentions` (`texts` by id), embedding only those not embedded before by
    this model."""
    ids = [m.id for m in mentions]
    with database.reading() as session:
        stored = queries.stored_vectors(session, ids, tagger.version)
    missing = [m for m in mentions if m.id not in stored]
    if missing:
        fresh = tagger.embed([texts[m.id] for m in missing]).numpy().astype(np.float16)
        computed = {m.id: row.tobytes() for m, row in zip(missing, fresh, strict=True)}
        with database.session() as session:
            queries.save_vectors(session, computed.items(), tagger.version)
        stored.update(computed)
    if not mentions:
        return np.zeros((0, tagger.encoder.dim), dtype=np.float32)
    matrix = np.stack([np.frombuffer(stored[i], dtype=np.float16) for i in ids]).astype(np.float32)
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-9)


def find_emerging(database: Database, tagger: Tagger, brand: str, week: Week, zone: ZoneInfo,
                  now: datetime) -> list[dict[str, Any]]:
    """Find, store and return the complaint groups of `brand`'s negative mentions in `week`."""
    start, end = week.start_utc(zone), week.end_utc(zone)
    earlier_start = week.shifted(-EARLIER_WEEKS).start_utc(zone)
    with database.reading() as session:
        mentions = queries.negative_mentions(session, brand, earlier_start, end)
    texts = {m.id: text_of(PendingMention(m.id, m.title, m.text)) for m in mentions}
    vectors = _vectors(database, tagger, mentions, texts)
    current = [i for i, m in enumerate(mentions) if m.published_at >= start]
    earlier = [i for i, m in enumerate(mentions) if m.published_at < start]
    # weeks the brand had negative mentions at all: a source added last month has no "before"
    weeks_seen = len({int((mentions[i].published_at - earlier_start).total_seconds() // WEEK_SECONDS)
                      for i in earlier})
    complaints = [Complaint(m.id, texts[m.id], m.source, m.published_at, m.url, m.author, m.themes)
                  for m in (mentions[i] for i in current)]
    clusters = find_clusters(complaints, vectors[current], vectors[earlier],
                             [mentions[i].text for i in earlier], weeks_seen)
    found = [asdict(cluster) | {"emerging": cluster.emerging} for cluster in clusters]
    with database.session() as session:
        ids = queries.replace_clusters(session, brand, week.label, utc_naive(now), found)
    return [{"id": cluster_id, **item} for cluster_id, item in zip(ids, found, strict=True)]


def find_for_digest(database: Database, tagger: Tagger, config: Config, brand: str,
                    week: Week | None, now: datetime) -> tuple[Week, list[dict[str, Any]]]:
    """The step as the digest runs it: the digest's week (default the last full one) and zone."""
    zone = ZoneInfo(config.digest.timezone)
    week = week or last_full_week(as_utc(now), zone)
    return week, find_emerging(database, tagger, brand, week, zone, now)


def promoted_theme(cluster: dict[str, Any], name: str) -> dict[str, Any]:
    """A custom-theme block drawn from a group: its label as the description, its most central
    mentions as the examples (the user reviews both before the next run)."""
    examples = list(dict.fromkeys(cluster["examples"]))
    if len(examples) < MIN_EXAMPLES:
        raise ValueError(f"group {cluster['id']} has only {len(examples)} distinct examples; "
                         f"a theme needs {MIN_EXAMPLES}")
    return {"name": name,
            "description": f"Customers complain about {cluster['label'].replace(' / ', ', ')}.",
            "examples": examples}
