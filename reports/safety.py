"""Treating stored text as untrusted: link allowlist, header checks, quotable excerpts."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import TypeVar
from urllib.parse import quote, urlsplit

T = TypeVar("T")

ALLOWED_SCHEMES = ("http", "https")
# Characters left as they are in a link; everything else (quotes, brackets, parentheses,
# spaces, backslashes) is percent-encoded, so a link cannot break out of HTML or Markdown.
_URL_SAFE = "/:?#@!$&*+,;=%~-._"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Bidirectional controls (embeddings, overrides, isolates, marks) can make a quote display in
# another order than it is stored ("Trojan Source"); nothing this product shows needs them.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


class UnsafeHeader(ValueError):
    """A mail header value that would let its content add headers (CR or LF in it)."""


def safe_url(url: str | None) -> str | None:
    """`url` if it is an absolute http(s) link, made inert for HTML and Markdown; else None."""
    if not url:
        return None
    candidate = url.strip()
    if any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in candidate):
        return None
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() not in ALLOWED_SCHEMES or not parts.netloc:
        return None
    return quote(candidate, safe=_URL_SAFE)


def single_line(value: str, what: str) -> str:
    """`value` unchanged, or UnsafeHeader if it holds a line break."""
    if "\r" in value or "\n" in value:
        raise UnsafeHeader(f"{what} contains a line break; refusing to send")
    return value


def without_controls(text: str) -> str:
    """`text` without control characters (tabs and line breaks kept) or bidi controls."""
    return _BIDI.sub("", _CONTROL.sub("", text))


def excerpt(text: str, limit: int = 300) -> str:
    """One paragraph of at most `limit` characters, without control characters."""
    flat = " ".join(without_controls(text).split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    if len(words) < 3:
        return {tuple(words)}
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def near_duplicate(a: str, b: str, threshold: float = 0.5) -> bool:
    """True when two texts share most of their word triples (retweets, copy-paste reviews)."""
    left, right = _shingles(a), _shingles(b)
    if not left or not right:
        return left == right
    overlap = len(left & right)
    return overlap / len(left | right) >= threshold or overlap == min(len(left), len(right))


def distinct(items: Iterable[T], limit: int, text: Callable[[T], str]) -> list[T]:
    """The first `limit` items whose `text` does not nearly repeat that of one already kept."""
    kept: list[T] = []
    for item in items:
        if len(kept) == limit:
            break
        if not any(near_duplicate(text(item), text(other)) for other in kept):
            kept.append(item)
    return kept
