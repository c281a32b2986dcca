"""RSS and Atom entries as mentions (used by the rss collector and Reddit's public feeds)."""

from __future__ import annotations

import calendar
import hashlib
import io
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax import ContentHandler, SAXException

import defusedxml.sax
import feedparser
from defusedxml import DefusedXmlException
from feedparser.encodings import convert_to_utf8

from collector.errors import FatalError, MalformedRecord
from collector.mention import Mention
from collector.text import html_to_text, language_code

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_DTD_REFUSED = ("the feed declares a DTD or XML entities (<!DOCTYPE>, <!ENTITY>); refused as a "
                "possible entity-expansion or external-entity attack")


def refuse_dtd(body: bytes, headers: dict[str, str]) -> None:
    """Refuse a feed that declares a DTD or entities anywhere, however it is padded or encoded.

    The check reads the very bytes feedparser will read (its own decoding to UTF-8) with
    defusedxml, which forbids DTDs outright. A feed that is not well-formed XML stops that
    parser early, so for it the decoded text is searched for an entity declaration instead:
    such a feed goes to feedparser's loose parser, which is handed the declared entities too
    (an HTML page's `<!DOCTYPE html>` is left to fail as "not a feed").
    """
    text = convert_to_utf8(headers, body, {})
    try:
        defusedxml.sax.parseString(text, ContentHandler(), forbid_dtd=True)
    except DefusedXmlException as exc:
        raise FatalError(_DTD_REFUSED) from exc
    except SAXException:
        if _ENTITY_DECLARATION.search(text):
            raise FatalError(_DTD_REFUSED) from None


def parse_feed(body: bytes, content_type: str | None, where: str) -> Any:
    """The parsed feed; bytes only, so feedparser never treats the input as a URL or path.

    A feed with a DTD is refused (see `refuse_dtd`): real feeds never need one, and entity
    declarations are how entity-expansion ("billion laughs") and external-entity attacks
    are built.
    """
    headers = {"content-type": content_type} if content_type else {}
    refuse_dtd(body, headers)
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers)
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        detail = f" ({problem})" if problem else ""
        raise FatalError(f"{where} is not an RSS or Atom feed{detail}")
    return parsed


def unwrap_redirect(link: str) -> str:
    """Google Alerts links go through https://www.google.com/url?...&url=<real>; keep <real>."""
    parts = urlsplit(link)
    host = (parts.hostname or "").lower()
    if parts.path == "/url" and (host == "google.com" or host.endswith(".google.com")):
        target = parse_qs(parts.query).get("url") or parse_qs(parts.query).get("q")
        if target and target[0].startswith(("http://", "https://")):
            return target[0]
    return link


def _plain(detail: Any, value: Any) -> str:
    if not isinstance(value, str):
        return ""
    kind = detail.get("type", "") if isinstance(detail, dict) else ""
    return html_to_text(value) if kind in _HTML_TYPES else value.strip()


def _published(entry: Any, feed_time: datetime | None) -> datetime:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        stamp = entry.get(key)
        if stamp:
            return datetime.fromtimestamp(calendar.timegm(stamp), tz=UTC)
    if feed_time is None:
        raise MalformedRecord("entry has no date, nor has its feed")
    return feed_time


def feed_time(parsed: Any) -> datetime | None:
    stamp = parsed.feed.get("updated_parsed") or parsed.feed.get("published_parsed")
    return datetime.fromtimestamp(calendar.timegm(stamp), tz=UTC) if stamp else None


def entry_to_mention(entry: Any, parsed: Any, fallback_time: datetime | None) -> Mention:
    title = _plain(entry.get("title_detail"), entry.get("title")) or None
    contents = entry.get("content") or []
    if contents:
        text = _plain(contents[0], contents[0].get("value"))
    else:
        text = _plain(entry.get("summary_detail"), entry.get("summary"))
    text = text or title or ""
    link = entry.get("link")
    link = unwrap_redirect(link) if isinstance(link, str) else None
    external_id = entry.get("id") or link
    if not external_id:
        if not text:
            raise MalformedRecord("entry has no id, link or text")
        external_id = "sha256:" + hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()[:32]
    language = None
    for detail in (contents[0] if contents else None, entry.get("title_detail"), parsed.feed):
        if isinstance(detail, dict) and language is None:
            language = language_code(detail.get("language"))
    return Mention(
        external_id=str(external_id),
        text=text,
        published_at=_published(entry, fallback_time),
        url=link,
        author=entry.get("author") or None,
        title=title,
        language=language,
    )
