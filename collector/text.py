"""Turning payload fields into plain text, language codes and UTC times."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

from collector.errors import MalformedRecord

_BLOCKS = {
    "p", "div", "br", "li", "ul", "ol", "blockquote", "pre", "tr", "table",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr",
}
_INVISIBLE = {"script", "style", "template", "head"}
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}$")
# Marks, embeddings, overrides and isolates: they can reverse how a digest or a terminal
# shows the text around them ("Trojan Source"), and no review needs them to be read.
_BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")

MAX_TEXT_CHARS = 100_000
"""The most characters of a mention's text that are stored; the rest is cut with a marker."""
MAX_FIELD_CHARS = 1_000
"""The same for a mention's title and author."""


def without_bidi_controls(text: str) -> str:
    return _BIDI_CONTROLS.sub("", text)


def capped(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, the cut said at its end."""
    if len(text) <= limit:
        return text
    marker = f" [… cut by repwatch; {len(text):,} characters in all]"
    return text[: max(0, limit - len(marker))] + marker


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[tuple[str | None, int]] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _INVISIBLE:
            self.hidden += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")
        elif tag == "a":
            self.links.append((dict(attrs).get("href"), len(self.parts)))

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS and tag not in ("br", "hr"):  # <br/> ends as it starts
            self.parts.append("\n")
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            label = "".join(self.parts[start:]).strip()
            if _worth_keeping(href, label):
                self.parts.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def _worth_keeping(href: str | None, label: str) -> bool:
    """A link's address is kept beside its label unless the label already says it."""
    if not href or not href.startswith(("http://", "https://")):
        return False
    if label.startswith(("#", "@")):  # hashtags and mentions link to their own pages
        return False
    bare = href.split("://", 1)[1].rstrip("/")
    return bare not in label


def html_to_text(markup: str | None) -> str:
    """Plain text from HTML: tags dropped, entities decoded, link addresses kept as text."""
    if not markup:
        return ""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(parser.parts).split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def language_code(value: Any) -> str | None:
    """'en-US' -> 'en'; None for missing, 'und' or anything that is not a language tag."""
    if not isinstance(value, str):
        return None
    primary = value.strip().replace("_", "-").split("-")[0].lower()
    if not _LANGUAGE.match(primary) or primary in ("und", "mul", "zxx"):
        return None
    return primary


def parse_iso(value: Any) -> datetime:
    """An ISO 8601 time as aware UTC; a time without a zone is taken as UTC."""
    if not isinstance(value, str) or not value.strip():
        raise MalformedRecord(f"missing time (got {value!r})")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise MalformedRecord(f"time {value!r} is not ISO 8601") from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def from_epoch(value: Any) -> datetime:
    """Epoch seconds (int, float or digits) as aware UTC."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise MalformedRecord(f"time {value!r} is not epoch seconds")
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise MalformedRecord(f"time {value!r} is not epoch seconds") from exc


def rating_1_to_5(value: Any) -> int:
    """A star rating given as int or digit string; anything outside 1-5 is malformed."""
    try:
        number = int(str(value).strip())
    except ValueError as exc:
        raise MalformedRecord(f"rating {value!r} is not a whole number") from exc
    if not 1 <= number <= 5:
        raise MalformedRecord(f"rating {value!r} is not in 1-5")
    return number


def whole_number(value: Any) -> int | None:
    """A counter from a payload, or None when absent or not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float | str):
        try:
            return int(float(value))
        except ValueError:
            return None
    return None
