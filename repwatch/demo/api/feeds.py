"""A Google Alerts feed (Atom) for the brand, at `GET /feeds/<name>.xml`.

Shaped like Google's: entry links go through https://www.google.com/url?...&url=<article>,
titles and content are HTML with the keyword in <b>, the author is empty. The answer carries an
ETag and Last-Modified, and a conditional GET that matches either gets 304 with no body.
Unlike the real alert feed, which keeps only its newest entries, this one holds every news item
of the twelve weeks, so the demo's first collection sees them all.
"""

from __future__ import annotations

import hashlib
import html
import re
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import quote
from xml.sax.saxutils import escape

from repwatch.demo.api.common import Catalog, Reply, Request, iso_z, stable_number, text_reply
from repwatch.demo.data import BRAND, PlacedItem

PATH = re.compile(r"^/feeds/(?P<name>[a-z0-9-]+)\.xml$")
FEEDS = {"tidewell": BRAND["keywords"][0]}
KEYWORD = re.compile(r"(tidewell)", re.IGNORECASE)


def _bold(text: str) -> str:
    return KEYWORD.sub(r"<b>\1</b>", html.escape(text, quote=False))


def entry(placed: PlacedItem) -> str:
    item = placed.item
    stamp = iso_z(placed.published_at, milliseconds=False)
    usg = hashlib.sha256(item.id.encode()).hexdigest()[:28]
    link = (
        "https://www.google.com/url?rct=j&sa=t&url="
        f"{quote(item.extra['url'], safe=':/')}&ct=ga&cd=CAIyGjk{item.id[:12]}&usg=AOvVaw{usg}"
    )
    return (
        "<entry>"
        f"<id>tag:google.com,2013:googlealerts/feed:{item.id}</id>"
        f'<title type="html">{escape(_bold(item.title or ""))}</title>'
        f'<link href="{escape(link, {chr(34): "&quot;"})}"></link>'
        f"<published>{stamp}</published><updated>{stamp}</updated>"
        f'<content type="html">{escape(_bold(item.text))}</content>'
        "<author><name></name></author>"
        "</entry>"
    )


def document(name: str, keyword: str, entries: list[PlacedItem], updated: datetime) -> bytes:
    user, feed = stable_number(f"alerts-user:{name}", 20), stable_number(f"alerts:{name}", 19)
    head = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:idx="urn:atom-extension:indexing">'
        f"<id>tag:google.com,2005:reference:alerts/feeds/{user}/{feed}</id>"
        f"<title>Google Alert - {escape(keyword)}</title>"
        f'<link href="https://www.google.com/alerts/feeds/{user}/{feed}" rel="self"></link>'
        f"<updated>{iso_z(updated, milliseconds=False)}</updated>"
    )
    return (head + "".join(entry(p) for p in entries) + "</feed>").encode("utf-8")


def _not_modified(request: Request, etag: str, last_modified: datetime) -> bool:
    if_none_match = request.header("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return etag in tags or "*" in tags
    since = request.header("if-modified-since")
    if since is None:
        return False
    try:
        return last_modified.replace(microsecond=0) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


def alert_feed(request: Request, catalog: Catalog, match: re.Match[str]) -> Reply:
    name = match["name"]
    if name not in FEEDS:
        return text_reply(f"no feed named {name!r}", 404)
    entries = catalog.visible("rss")
    last_modified = entries[0].published_at if entries else catalog.now
    body = document(name, FEEDS[name], entries, last_modified)
    etag = '"' + hashlib.sha256(body).hexdigest()[:24] + '"'
    headers = {"ETag": etag, "Last-Modified": format_datetime(last_modified, usegmt=True),
               "Cache-Control": "private, max-age=0"}
    if _not_modified(request, etag, last_modified):
        return Reply(304, b"", "", headers)
    return Reply(200, body, "application/atom+xml; charset=utf-8", headers)
