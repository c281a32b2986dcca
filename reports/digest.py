"""The weekly digest: queries -> view model (plain JSON) -> HTML, text, Markdown; stored and archived.

The view model (`data`) is what the JSON format holds and what every template reads, so the four
formats cannot disagree. All stored text in it is untrusted and is escaped by the templates.
"""

from __future__ import annotations

import base64
import json
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from reports import charts
from reports.mail import InlineImage, Message
from reports.notify import Notifier, email_notifier
from reports.periods import Week, last_full_week, week_edges
from reports.render import render
from reports.safety import excerpt, near_duplicate, safe_url
from storage import reports as queries
from storage.db import Database
from storage.mentions import as_utc, utc_naive

if TYPE_CHECKING:  # reports take the config as plain typed objects; only the types
    from repwatch.config import Config, SourceConfig

SENTIMENTS = ("negative", "neutral", "positive")
QUOTES_PER_THEME = 3
QUOTE_CANDIDATES = 30
RISING_MIN_COUNT = 3
RISING_MIN_RATIO = 1.5
SILENT_AFTER_RUNS = 3
SILENT_AT_LEAST = timedelta(hours=24)
DRY_WEEKS_BEFORE = 4
DRY_MIN_WEEKLY = 3


@dataclass(frozen=True)
class DigestReport:
    """A built digest as stored: the view model, the three renderings and the chart images."""

    id: int
    brand: str
    period_label: str
    data: dict[str, Any]
    html: str
    text: str
    markdown: str
    charts: dict[str, bytes]
    archive_path: Path | None

    @property
    def period(self) -> str:
        return self.period_label


def enabled_themes(config: Config) -> list[str]:
    return [*config.themes.enabled_defaults, *(theme.name for theme in config.themes.custom)]


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "brand"


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).isoformat()


def _change(current: float, previous: float) -> dict[str, Any]:
    return {
        "current": current,
        "previous": previous,
        "delta": current - previous,
        "percent": None if previous == 0 else (current - previous) / previous,
    }


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


# --- the view model --------------------------------------------------------------------------


def _volume(rows: Sequence[queries.VolumeRow], weeks: int, names: dict[int, str]) -> dict[str, Any]:
    totals = [0] * weeks
    by_sentiment = [dict.fromkeys((*SENTIMENTS, "untagged"), 0) for _ in range(weeks)]
    by_source: dict[str, list[int]] = defaultdict(lambda: [0] * weeks)
    rating_sum, rating_count = [0] * weeks, [0] * weeks
    for row in rows:
        totals[row.bucket] += row.count
        by_sentiment[row.bucket][row.sentiment if row.sentiment in SENTIMENTS else "untagged"] += (
            row.count
        )
        by_source[names.get(row.source_id, f"source {row.source_id}")][row.bucket] += row.count
        rating_sum[row.bucket] += row.rating_sum
        rating_count[row.bucket] += row.rating_count
    now, before = weeks - 1, weeks - 2

    def tagged(week: int) -> int:
        return sum(by_sentiment[week][name] for name in SENTIMENTS)

    def average(week: int) -> float | None:
        return rating_sum[week] / rating_count[week] if rating_count[week] else None

    sentiment = {
        name: {
            "count": by_sentiment[now][name],
            "previous": by_sentiment[before][name],
            "share": _share(by_sentiment[now][name], tagged(now)),
            "previous_share": _share(by_sentiment[before][name], tagged(before)),
        }
        for name in SENTIMENTS
    }
    sentiment["untagged"] = {"count": by_sentiment[now]["untagged"],
                             "previous": by_sentiment[before]["untagged"]}
    current_avg, previous_avg = average(now), average(before)
    return {
        "total": _change(totals[now], totals[before]),
        "sentiment": sentiment,
        "by_source": sorted(
            ({"source": name, **_change(counts[now], counts[before]), "trend": counts}
             for name, counts in by_source.items()),
            key=lambda item: (-item["current"], item["source"]),
        ),
        "rating": None if current_avg is None and previous_avg is None else {
            "average": current_avg,
            "previous": previous_avg,
            "count": rating_count[now],
            "trend": [average(week) for week in range(weeks)],
        },
        "trend": [{"total": totals[week], **by_sentiment[week]} for week in range(weeks)],
    }


def _quote(example: queries.Example, zone: ZoneInfo) -> dict[str, Any]:
    text = example.text if not example.title else f"{example.title}: {example.text}"
    if example.evidence:  # the part of the mention that shows the theme
        text = example.evidence
    return {
        "text": excerpt(text),
        "author": excerpt(example.author or "anonymous", 80),
        "source": example.source,
        "published_at": _iso(example.published_at),
        "date": as_utc(example.published_at).astimezone(zone).date().isoformat(),
        "url": safe_url(example.url),
        "score": round(example.score, 3),
    }


def pick_quotes(examples: Sequence[queries.Example], limit: int, zone: ZoneInfo) -> list[dict[str, Any]]:
    """The highest-scoring examples, skipping any that nearly repeat one already picked."""
    picked: list[queries.Example] = []
    for example in sorted(examples, key=lambda e: -e.score):
        if any(near_duplicate(example.text, chosen.text) for chosen in picked):
            continue
        picked.append(example)
        if len(picked) == limit:
            break
    return [_quote(example, zone) for example in picked]


def _themes(
    rows: Sequence[queries.ThemeRow],
    themes: Sequence[str],
    weeks: int,
    negative_now: int,
    quotes: dict[str, list[dict[str, Any]]],
) -> list[dict[str, Any]]:
    counts = {theme: [0] * weeks for theme in themes}
    negatives = {theme: [0] * weeks for theme in themes}
    for row in rows:
        if row.theme in counts:
            counts[row.theme][row.bucket] += row.count
            negatives[row.theme][row.bucket] += row.negative
    ranked = []
    for theme in themes:
        trend = counts[theme]
        if trend[-1] == 0 and trend[-2] == 0:
            continue
        ranked.append({
            "theme": theme,
            **_change(trend[-1], trend[-2]),
            "negative": negatives[theme][-1],
            "negative_share": _share(negatives[theme][-1], negative_now),
            "trend": trend,
            "quotes": quotes.get(theme, []),
            "chart": f"theme-{theme}",
        })
    return sorted(ranked, key=lambda item: (-item["current"], item["theme"]))


def _rising_and_new(
    themes: Sequence[dict[str, Any]], had_history: bool
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rising, new = [], []
    for item in themes:
        earlier = item["trend"][:-1]
        current = item["current"]
        if current == 0:
            continue
        if not any(earlier):
            if had_history:
                new.append({"theme": item["theme"], "count": current})
            continue
        baseline = sum(earlier) / len(earlier)
        ratio = (current + 1) / (baseline + 1)
        if current >= RISING_MIN_COUNT and ratio >= RISING_MIN_RATIO:
            rising.append({"theme": item["theme"], "count": current,
                           "baseline": round(baseline, 1), "ratio": round(ratio, 2)})
    rising.sort(key=lambda item: (-item["ratio"], item["theme"]))
    return rising[:5], new


def _source_health(
    states: Sequence[queries.SourceState],
    configured: dict[str, SourceConfig],
    weekly: dict[str, list[int]],
    now: datetime,
) -> list[dict[str, Any]]:
    """Every source of the brand, those with a problem first: silence must not be a footnote."""
    by_name = {state.name: state for state in states}
    report = []
    for name in sorted(set(by_name) | set(configured)):
        state, source = by_name.get(name), configured.get(name)
        enabled = source is not None and source.enabled
        trend = weekly.get(name, [])
        problems = []
        last_success = state.last_success_at if state else None
        if enabled and source is not None:
            silent_after = max(source.every * SILENT_AFTER_RUNS, SILENT_AT_LEAST)
            if last_success is None:
                problems.append("has never collected successfully"
                                if state and state.last_attempt_at else "has not run yet")
            elif now - last_success > silent_after:
                problems.append(f"silent: no successful run for {_ago(now - last_success)}")
        if state and state.consecutive_failures:
            reason = excerpt(state.last_error or "unknown error", 200)
            problems.append(f"{state.consecutive_failures} failed runs in a row: {reason}")
        before = trend[-1 - DRY_WEEKS_BEFORE : -1]
        if trend and trend[-1] == 0 and before and sum(before) / len(before) >= DRY_MIN_WEEKLY:
            usual = round(sum(before) / len(before))
            problems.append(f"no mentions in this period (usually about {usual} a week)")
        report.append({
            "source": name,
            "kind": (source.kind if source else state.kind if state else "unknown"),
            "status": "problem" if problems else ("ok" if enabled else
                                                  "disabled" if source else "not configured"),
            "problems": problems,
            "last_success_at": _iso(last_success),
            "last_attempt_at": _iso(state.last_attempt_at if state else None),
            "collected": state.collected if state else 0,
            "errors": state.consecutive_failures if state else 0,
            "published": trend[-1] if trend else 0,
        })
    return sorted(report, key=lambda item: (item["status"] != "problem", item["source"]))


def _ago(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours:.0f} hours" if hours < 48 else f"{hours / 24:.0f} days"


def build_data(
    database: Database, config: Config, brand: str, week: Week, now: datetime
) -> dict[str, Any]:
    """The digest view model for `brand` and `week`, as plain JSON-ready values."""
    zone = ZoneInfo(config.digest.timezone)
    count = config.digest.trend_weeks
    weeks, edges = week_edges(week, count, zone)
    start, end = edges[-2], edges[-1]
    themes = enabled_themes(config)
    with database.session() as session:
        names = queries.source_names(session)
        volume_rows = queries.volume_by_bucket(session, brand, edges)
        theme_rows = queries.themes_by_bucket(session, brand, edges)
        examples = queries.top_theme_mentions(session, brand, start, end, QUOTE_CANDIDATES, themes)
        languages = queries.unsupported_languages(session, brand, start, end)
        states = queries.source_states(session, brand, start, end)
    volume = _volume(volume_rows, count, names)
    by_theme: dict[str, list[queries.Example]] = defaultdict(list)
    for example in examples:
        by_theme[example.key].append(example)
    quotes = {theme: pick_quotes(items, QUOTES_PER_THEME, zone) for theme, items in by_theme.items()}
    theme_items = _themes(theme_rows, themes, count, volume["sentiment"]["negative"]["count"], quotes)
    had_history = any(week_total["total"] for week_total in volume["trend"][:-1])
    rising, new = _rising_and_new(theme_items, had_history)
    configured = {s.name: s for s in config.sources if s.brand == brand}
    weekly = {item["source"]: item["trend"] for item in volume["by_source"]}
    sources = _source_health(states, configured, weekly, utc_naive(now))
    return {
        "brand": brand,
        "period": {
            "label": week.label,
            "start": as_utc(start).isoformat(),
            "end": as_utc(end).isoformat(),
            "timezone": config.digest.timezone,
            "first_day": week.monday.isoformat(),
            "last_day": (week.monday + timedelta(days=6)).isoformat(),
        },
        "weeks": [w.label for w in weeks],
        "generated_at": as_utc(utc_naive(now)).isoformat(),
        "source_problems": [item for item in sources if item["status"] == "problem"],
        "volume": volume,
        "themes": theme_items,
        "rising": rising,
        "new": new,
        "sources": sources,
        "unsupported_languages": [{"language": lang, "count": n} for lang, n in languages],
        "charts": {"volume": "volume-trend"},
    }


# --- rendering -------------------------------------------------------------------------------


def chart_images(data: dict[str, Any]) -> dict[str, bytes]:
    """PNG per chart name: the volume trend by sentiment and one sparkline per theme."""
    stacks = [[week["negative"], week["neutral"], week["positive"], week["untagged"]]
              for week in data["volume"]["trend"]]
    images = {
        data["charts"]["volume"]: charts.stacked_bars(
            stacks, [charts.NEGATIVE, charts.NEUTRAL, charts.POSITIVE, charts.AXIS]
        )
    }
    for item in data["themes"]:
        images[item["chart"]] = charts.sparkline(item["trend"])
    return images


def content_id(chart: str, data: dict[str, Any]) -> str:
    """The Content-ID (without angle brackets) of a chart in the digest email."""
    return f"{chart}.{data['period']['label']}.{slug(data['brand'])}@repwatch"


def render_digest(data: dict[str, Any], image_src: dict[str, str]) -> tuple[str, str, str]:
    """HTML (images from `image_src`), plain text and Markdown for a view model."""
    context = {"d": data, "img": image_src}
    return (
        render("html", "digest.html.j2", **context),
        render("text", "digest.txt.j2", **context),
        render("markdown", "digest.md.j2", **context),
    )


# --- building, storing, archiving ------------------------------------------------------------


def build_digest(
    database: Database,
    config: Config,
    brand: str,
    week: Week | None,
    now: datetime,
    out_dir: Path | None = None,
) -> DigestReport:
    """Build, store and archive the digest of `brand` for `week` (default: last full week)."""
    if brand not in {b.name for b in config.brands}:
        raise ValueError(f"{brand!r} is not a brand in the config")
    zone = ZoneInfo(config.digest.timezone)
    week = week or last_full_week(as_utc(now), zone)
    data = build_data(database, config, brand, week, now)
    images = chart_images(data)
    cids = {name: content_id(name, data) for name in images}
    html, text, markdown = render_digest(data, {name: f"cid:{cid}" for name, cid in cids.items()})
    out_dir = Path(out_dir or config.digest.output_dir)
    folder = (out_dir / slug(brand) / week.label).resolve()
    with database.session() as session:
        stored = queries.save_digest(session, {
            "brand": brand,
            "period_label": week.label,
            "period_start": week.start_utc(zone),
            "period_end": week.end_utc(zone),
            "created_at": utc_naive(now),
            "data": data,
            "html": html,
            "text": text,
            "markdown": markdown,
            "charts": {cids[name]: base64.b64encode(png).decode() for name, png in images.items()},
            "archive_path": str(folder / "index.html"),
        })
        digest_id = stored.id
    report = DigestReport(digest_id, brand, week.label, data, html, text, markdown,
                          {cids[name]: png for name, png in images.items()}, folder / "index.html")
    write_archive(database, report, images, out_dir)
    return report


def write_archive(
    database: Database, report: DigestReport, images: dict[str, bytes], out_dir: Path
) -> None:
    """Write the digest's files under out_dir/<brand>/<week>/ and refresh out_dir/index.html."""
    assert report.archive_path is not None
    folder = report.archive_path.parent
    folder.mkdir(parents=True, exist_ok=True)
    for name, png in images.items():
        (folder / f"{name}.png").write_bytes(png)
    html, text, markdown = render_digest(report.data, {name: f"{name}.png" for name in images})
    (folder / "index.html").write_text(html, encoding="utf-8")
    (folder / "digest.txt").write_text(text, encoding="utf-8")
    (folder / "digest.md").write_text(markdown, encoding="utf-8")
    (folder / "digest.json").write_text(
        json.dumps(report.data, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    write_index(database, out_dir)


def write_index(database: Database, out_dir: Path) -> Path:
    """out_dir/index.html linking every stored digest whose files are in this archive."""
    out_dir = Path(out_dir)
    entries = []
    with database.session() as session:
        for digest in queries.all_digests(session):
            page = out_dir / slug(digest.brand) / digest.period_label / "index.html"
            if page.exists():
                entries.append({
                    "brand": digest.brand,
                    "period": digest.period_label,
                    "href": f"{slug(digest.brand)}/{digest.period_label}/index.html",
                    "total": digest.data.get("volume", {}).get("total", {}).get("current"),
                    "problems": len(digest.data.get("source_problems", [])),
                })
    out_dir.mkdir(parents=True, exist_ok=True)
    index = out_dir / "index.html"
    index.write_text(render("html", "index.html.j2", entries=entries), encoding="utf-8")
    return index


def load_digest(database: Database, digest_id: int) -> DigestReport:
    with database.session() as session:
        digest = queries.get_digest(session, digest_id)
        if digest is None:
            raise LookupError(f"no stored digest with id {digest_id}")
        return DigestReport(
            digest.id, digest.brand, digest.period_label, digest.data, digest.html, digest.text,
            digest.markdown,
            {cid: base64.b64decode(png) for cid, png in digest.charts.items()},
            Path(digest.archive_path) if digest.archive_path else None,
        )


# --- delivery --------------------------------------------------------------------------------


def digest_message(report: DigestReport, recipients: Sequence[str]) -> Message:
    problems = len(report.data.get("source_problems", []))
    warning = f" ({problems} source problem{'s' if problems != 1 else ''})" if problems else ""
    subject = f"[repwatch] {report.brand}: weekly digest {report.period_label}{warning}"
    images = tuple(
        InlineImage(cid, png, f"{cid.split('.', 1)[0]}.png") for cid, png in report.charts.items()
    )
    return Message(subject=subject, text=report.text, html=report.html, images=images,
                   recipients=tuple(recipients))


def deliver_digest(
    database: Database,
    config: Config,
    digest_id: int,
    notifier: Notifier,
    now: datetime,
    *,
    resend: bool = False,
) -> bool:
    """Send a stored digest to digest.recipients; False if it was already sent (and not resend).

    A failed delivery raises DeliveryError and leaves the digest unsent, to be tried again.
    """
    report = load_digest(database, digest_id)
    with database.session() as session:
        stored = queries.get_digest(session, digest_id)
        if stored is not None and stored.sent_at is not None and not resend:
            return False
    notifier.send(digest_message(report, config.digest.recipients), now)
    with database.session() as session:
        queries.mark_digest_sent(session, digest_id, utc_naive(now))
    return True


def send_digest(
    database: Database,
    config: Config,
    report: DigestReport,
    now: datetime,
    *,
    env: Mapping[str, str] | None = None,
    notifier: Notifier | None = None,
    resend: bool = False,
) -> bool:
    """Email a built digest to digest.recipients over the configured SMTP server (or `notifier`).

    Raises NotConfigured without an smtp section, DeliveryError when sending fails.
    """
    return deliver_digest(database, config, report.id, notifier or email_notifier(config, env),
                          now, resend=resend)
