"""The normalized mention every collector yields and storage keeps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from collector.text import MAX_FIELD_CHARS, MAX_TEXT_CHARS, capped, without_bidi_controls


@dataclass(frozen=True, slots=True)
class Mention:
    """One review, post or comment, normalized across sources.

    `published_at` is always timezone-aware UTC. `rating` is 1-5 or None.
    `metrics` holds source counters such as likes, votes and replies.
    Every collector's text passes the same gate: bidi controls are removed, and `text` is cut
    at MAX_TEXT_CHARS (100,000) characters, `title` and `author` at MAX_FIELD_CHARS (1,000),
    each cut ending in a visible "[… cut by repwatch; N characters in all]".
    """

    external_id: str
    text: str
    published_at: datetime
    url: str | None = None
    author: str | None = None
    title: str | None = None
    rating: int | None = None
    language: str | None = None
    metrics: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.external_id:
            raise ValueError("mention has an empty external id")
        if self.published_at.tzinfo is None:
            raise ValueError(f"mention {self.external_id}: published_at must be timezone-aware")
        if self.rating is not None and not 1 <= self.rating <= 5:
            raise ValueError(f"mention {self.external_id}: rating {self.rating} is not in 1-5")
        object.__setattr__(self, "text", capped(without_bidi_controls(self.text), MAX_TEXT_CHARS))
        for name in ("title", "author"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, capped(without_bidi_controls(value), MAX_FIELD_CHARS))
        if self.published_at.utcoffset() != UTC.utcoffset(None):
            object.__setattr__(self, "published_at", self.published_at.astimezone(UTC))
