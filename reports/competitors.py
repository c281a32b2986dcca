"""You and your competitors: share of voice, negative share, rating and theme rates, side by side.

A theme is flagged where the brand's rate differs clearly from the competitors' pooled rate: a
two-proportion z-test (each tagged mention has the theme or not) gives p < SIGNIFICANCE, the
rates differ by a factor of MIN_RATE_RATIO or more, and both sides have MIN_THEME_COUNT or more
mentions with the theme. Smaller counts are shown but never flagged: noise is not a gap.
Rates are per 1,000 tagged mentions, so mentions left untagged for their language do not
dilute them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from reports.safety import excerpt, safe_url
from storage import reports as queries
from storage.db import Database
from storage.mentions import as_utc

SIGNIFICANCE = 0.01
MIN_RATE_RATIO = 1.5
MIN_THEME_COUNT = 20
SENTIMENTS = ("negative", "neutral", "positive")


@dataclass
class Party:
    """One brand's or competitor's counts for the previous week (index 0) and this week (1)."""

    name: str
    is_brand: bool
    mentions: list[int] = field(default_factory=lambda: [0, 0])
    tagged: list[int] = field(default_factory=lambda: [0, 0])
    negative: list[int] = field(default_factory=lambda: [0, 0])
    rating_sum: int = 0
    rating_count: int = 0
    themes: dict[str, int] = field(default_factory=dict)
    source_problems: list[str] = field(default_factory=list)

    def rate(self, theme: str) -> float | None:
        return _per_thousand(self.themes.get(theme, 0), self.tagged[1])


def _per_thousand(count: int, tagged: int) -> float | None:
    return None if tagged == 0 else 1000 * count / tagged


def _load(session: Any, name: str, is_brand: bool, edges: Sequence[datetime]) -> Party:
    party = Party(name, is_brand)
    for row in queries.volume_by_bucket(session, name, edges):
        party.mentions[row.bucket] += row.count
        if row.sentiment in SENTIMENTS:
            party.tagged[row.bucket] += row.count
            party.negative[row.bucket] += row.count if row.sentiment == "negative" else 0
        if row.bucket == 1:
            party.rating_sum += row.rating_sum
            party.rating_count += row.rating_count
    for theme_row in queries.themes_by_bucket(session, name, edges):
        if theme_row.bucket == 1:  # one row per source: add them up
            party.themes[theme_row.theme] = party.themes.get(theme_row.theme, 0) + theme_row.count
    if not is_brand:  # the brand's own sources have their section in the digest
        for state in queries.source_states(session, name, edges[1], edges[2]):
            if state.consecutive_failures:
                party.source_problems.append(
                    f"{state.name}: {state.consecutive_failures} failed runs in a row")
            elif state.last_success_at is None:
                party.source_problems.append(f"{state.name}: has never collected successfully")
    return party


def two_proportion_p(hits_a: int, total_a: int, hits_b: int, total_b: int) -> float | None:
    """Two-sided p-value of the pooled two-proportion z-test, or None when it is undefined.

    Computed as Pearson's chi-square on the 2x2 table without continuity correction, which is
    the same test (chi-square = z squared).
    """
    from scipy.stats import chi2_contingency  # imported here: only comparisons pay its load time

    table = [[hits_a, total_a - hits_a], [hits_b, total_b - hits_b]]
    if min(total_a, total_b) == 0 or hits_a + hits_b in (0, total_a + total_b):
        return None
    return float(chi2_contingency(table, correction=False).pvalue)


def verdict(brand_hits: int, brand_total: int, pooled_hits: int, pooled_total: int
            ) -> tuple[str | None, float | None, float | None]:
    """('worse' | 'better' | None, rate ratio brand/pooled, p-value) for one theme."""
    brand_rate = _per_thousand(brand_hits, brand_total)
    pooled_rate = _per_thousand(pooled_hits, pooled_total)
    ratio = None if not brand_rate or not pooled_rate else brand_rate / pooled_rate
    if min(brand_hits, pooled_hits) < MIN_THEME_COUNT:
        return None, ratio, None
    p_value = two_proportion_p(brand_hits, brand_total, pooled_hits, pooled_total)
    if p_value is None or ratio is None or p_value >= SIGNIFICANCE:
        return None, ratio, p_value
    if ratio >= MIN_RATE_RATIO:
        return "worse", ratio, p_value
    if ratio <= 1 / MIN_RATE_RATIO:
        return "better", ratio, p_value
    return None, ratio, p_value


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def _party_view(party: Party, everyone: Sequence[Party]) -> dict[str, Any]:
    total_now = sum(p.mentions[1] for p in everyone)
    total_before = sum(p.mentions[0] for p in everyone)
    before, now = party.mentions
    return {
        "name": party.name,
        "is_brand": party.is_brand,
        "mentions": now,
        "previous": before,
        "percent": None if before == 0 else (now - before) / before,
        "share_of_voice": _share(now, total_now),
        "previous_share_of_voice": _share(before, total_before),
        "negative_share": _share(party.negative[1], party.tagged[1]),
        "previous_negative_share": _share(party.negative[0], party.tagged[0]),
        "rating": None if not party.rating_count else party.rating_sum / party.rating_count,
        "rating_count": party.rating_count,
        "tagged": party.tagged[1],
        "source_problems": party.source_problems,
    }


def _quote(example: queries.Example, competitor: str, zone: ZoneInfo) -> dict[str, Any]:
    text = example.text if not example.title else f"{example.title}: {example.text}"
    return {
        "competitor": competitor,
        "text": excerpt(text),
        "author": excerpt(example.author or "anonymous", 80),
        "source": example.source,
        "date": as_utc(example.published_at).astimezone(zone).date().isoformat(),
        "url": safe_url(example.url),
    }


def comparison(
    database: Database, brand: str, rivals: Sequence[str], edges: Sequence[datetime],
    themes: Sequence[str], zone: ZoneInfo,
) -> dict[str, Any] | None:
    """The "You and your competitors" view model for `brand`, or None when it has none.

    `edges` are the last three week edges (naive UTC): the previous week and this one.
    """
    rivals = list(rivals)
    if not rivals:
        return None
    edges = list(edges[-3:])
    with database.reading() as session:
        mine = _load(session, brand, True, edges)
        others = [_load(session, name, False, edges) for name in rivals]
        rows = _theme_rows(mine, others, themes)
        worse_elsewhere = [row["theme"] for row in rows if row["verdict"] == "better"]
        quotes = _competitor_quotes(session, mine, others, worse_elsewhere, edges, zone)
    for row in rows:
        row["quote"] = quotes.get(row["theme"])
    everyone = [mine, *others]
    return {
        "brand": brand,
        "competitors": rivals,
        "parties": [_party_view(party, everyone) for party in everyone],
        "themes": rows,
        "source_problems": [f"{party.name}: {problem}" for party in others
                            for problem in party.source_problems],
        "worse": [row["theme"] for row in rows if row["verdict"] == "worse"],
        "better": worse_elsewhere,
        "test": {
            "name": "two-proportion z-test against the pooled rate of the competitors",
            "significance": SIGNIFICANCE,
            "min_rate_ratio": MIN_RATE_RATIO,
            "min_count": MIN_THEME_COUNT,
        },
    }


def _theme_rows(mine: Party, others: Sequence[Party], themes: Sequence[str]) -> list[dict[str, Any]]:
    pooled_total = sum(party.tagged[1] for party in others)
    rows = []
    for theme in themes:
        pooled_hits = sum(party.themes.get(theme, 0) for party in others)
        hits = mine.themes.get(theme, 0)
        if hits == 0 and pooled_hits == 0:
            continue
        flag, ratio, p_value = verdict(hits, mine.tagged[1], pooled_hits, pooled_total)
        rows.append({
            "theme": theme,
            "rates": [{"name": party.name, "count": party.themes.get(theme, 0),
                       "rate": party.rate(theme)} for party in (mine, *others)],
            "count": hits,
            "rate": mine.rate(theme),
            "pooled_count": pooled_hits,
            "pooled_rate": _per_thousand(pooled_hits, pooled_total),
            "ratio": ratio,
            "p_value": p_value,
            "verdict": flag,
            "small": min(hits, pooled_hits) < MIN_THEME_COUNT,
        })
    order = {"worse": 0, "better": 1, None: 2}
    return sorted(rows, key=lambda row: (order[row["verdict"]], -(row["rate"] or 0), row["theme"]))


def _competitor_quotes(
    session: Any, mine: Party, others: Sequence[Party], themes: Sequence[str],
    edges: Sequence[datetime], zone: ZoneInfo,
) -> dict[str, dict[str, Any]]:
    """Per theme, the highest-scoring mention this week from the customers of a competitor
    whose own rate of it is above the brand's."""
    best: dict[str, tuple[queries.Example, str]] = {}
    for party in others:
        worse = [t for t in themes if (party.rate(t) or 0) > (mine.rate(t) or 0)]
        if not worse:
            continue
        for example in queries.top_theme_mentions(session, party.name, edges[1], edges[2], 1,
                                                  worse):
            if example.key not in best or example.score > best[example.key][0].score:
                best[example.key] = (example, party.name)
    return {theme: _quote(example, name, zone) for theme, (example, name) in best.items()}
