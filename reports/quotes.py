"""Choosing which mentions to quote, shared by the digest and the alerts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from reports.safety import distinct, excerpt, safe_url
from storage import reports as queries
from storage.mentions import as_utc


class _Named(Protocol):
    @property
    def name(self) -> str: ...


class _ThemeChoice(Protocol):
    @property
    def enabled_defaults(self) -> list[str]: ...
    @property
    def custom(self) -> Sequence[_Named]: ...


class HasThemes(Protocol):
    """Anything with a `themes` section like the config's."""

    @property
    def themes(self) -> _ThemeChoice: ...


def enabled_themes(config: HasThemes) -> list[str]:
    return [*config.themes.enabled_defaults, *(theme.name for theme in config.themes.custom)]


def quote(example: queries.Example, zone: ZoneInfo) -> dict[str, Any]:
    text = example.text if not example.title else f"{example.title}: {example.text}"
    if example.evidence:  # the part of the mention that shows the theme
        text = example.evidence
    return {
        "text": excerpt(text),
        "author": excerpt(example.author or "anonymous", 80),
        "source": example.source,
        "published_at": as_utc(example.published_at).isoformat(),
        "date": as_utc(example.published_at).astimezone(zone).date().isoformat(),
        "url": safe_url(example.url),
        "score": round(example.score, 3),
    }


def pick_quotes(examples: Sequence[queries.Example], limit: int, zone: ZoneInfo) -> list[dict[str, Any]]:
    """The highest-scoring examples, skipping any that nearly repeat one already picked."""
    best_first = sorted(examples, key=lambda e: -e.score)
    return [quote(example, zone) for example in distinct(best_first, limit, lambda e: e.text)]
