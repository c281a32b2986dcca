"""A Mastodon instance's hashtag timeline: `GET /api/v1/timelines/tag/{hashtag}`.

Statuses newest first with string ids that grow with time (snowflakes, as Mastodon's do);
`limit` (20 by default, 40 at most), `max_id`, `since_id` and `min_id` behave as documented
(`min_id` gives the oldest statuses just after it). A `Link` header points to the next
(`max_id`) and previous (`min_id`) pages, and X-RateLimit-* headers count down 300 requests per
five minutes (429 past that). The timeline includes a few reblogs and some posts by accounts
that set `noindex`, which a collector should leave out.
"""

from __future__ import annotations

import html
import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import quote

from repwatch.demo.api.common import (
    BadRequest,
    Catalog,
    Reply,
    Request,
    iso_z,
    json_reply,
    parse_int,
    stable_number,
)
from repwatch.demo.data import BRAND, PlacedItem

PATH = re.compile(r"^/api/v1/timelines/tag/(?P<hashtag>[^/]+)$")
HASHTAG = re.compile(r"#(\w+)")
WINDOW_SECONDS = 300
Status = dict[str, Any]


def snowflake(moment: datetime, sequence: int) -> int:
    return (int(moment.timestamp() * 1000) << 16) | (sequence & 0xFFFF)


class RateLimit:
    """A fixed five-minute window of `limit` requests, counted in real time."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._start = 0.0
        self._used = 0

    def take(self) -> tuple[bool, dict[str, str]]:
        with self._lock:
            now = time.time()
            if now - self._start >= WINDOW_SECONDS:
                self._start, self._used = now, 0
            allowed = self._used < self.limit
            self._used += allowed
            reset = datetime.fromtimestamp(self._start + WINDOW_SECONDS, UTC)
            headers = {
                "X-RateLimit-Limit": str(self.limit),
                "X-RateLimit-Remaining": str(self.limit - self._used),
                "X-RateLimit-Reset": iso_z(reset),
            }
            return allowed, headers


def account(details: dict[str, Any], base_url: str) -> dict[str, Any]:
    username, domain = details["username"], details["domain"]
    acct = username if domain is None else f"{username}@{domain}"
    home = base_url if domain is None else f"https://{domain}"
    return {
        "id": str(stable_number(f"mastodon-account:{acct}", 18)),
        "username": username,
        "acct": acct,
        "display_name": details["display_name"],
        "locked": False,
        "bot": False,
        "discoverable": not details["noindex"],
        "indexable": not details["noindex"],
        "noindex": details["noindex"],
        "group": False,
        "created_at": "2022-11-07T00:00:00.000Z",
        "note": "",
        "url": f"{home}/@{username}",
        "avatar": f"{base_url}/avatars/original/missing.png",
        "followers_count": stable_number(acct, 3) % 400,
        "following_count": stable_number(acct + "f", 3) % 300,
        "statuses_count": stable_number(acct + "s", 4) % 3000,
    }


def content_html(text: str, base_url: str) -> str:
    escaped = html.escape(text, quote=False)
    linked = HASHTAG.sub(
        lambda m: (
            f'<a href="{base_url}/tags/{m[1].lower()}" class="mention hashtag" rel="tag">'
            f"#<span>{m[1]}</span></a>"
        ),
        escaped,
    )
    return f"<p>{linked}</p>"


def status(placed: PlacedItem, base_url: str) -> Status:
    item = placed.item
    details = item.extra["account"]
    status_id = str(snowflake(placed.published_at, int(item.id)))
    home = base_url if details["domain"] is None else f"https://{details['domain']}"
    tags = sorted({tag.lower() for tag in HASHTAG.findall(item.text)})
    return {
        "id": status_id,
        "created_at": iso_z(placed.published_at),
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": item.language,
        "uri": f"{home}/users/{details['username']}/statuses/{status_id}",
        "url": f"{home}/@{details['username']}/{status_id}",
        "replies_count": item.metrics.get("replies", 0),
        "reblogs_count": item.metrics.get("reblogs", 0),
        "favourites_count": item.metrics.get("favourites", 0),
        "edited_at": None,
        "content": content_html(item.text, base_url),
        "reblog": None,
        "account": account(details, base_url),
        "media_attachments": [],
        "mentions": [],
        "tags": [{"name": tag, "url": f"{base_url}/tags/{tag}"} for tag in tags],
        "emojis": [],
        "card": None,
        "poll": None,
    }


def reblog(original: Callable[[], Status], number: int, moment: datetime,
           details: dict[str, Any], base_url: str) -> Status:
    home = base_url if details["domain"] is None else f"https://{details['domain']}"
    return {
        "id": str(number),
        "created_at": iso_z(moment),
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": None,
        "uri": f"{home}/users/{details['username']}/statuses/{number}/activity",
        "url": None,
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
        "content": "",
        "reblog": original(),
        "account": account(details, base_url),
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "emojis": [],
        "card": None,
        "poll": None,
    }


def timeline(catalog: Catalog, hashtag: str, base_url: str) -> list[tuple[int, Callable[[], Status]]]:
    """(id, how to build the status) for every visible status and reblog under the hashtag,
    newest first; statuses are built only for the page that is served."""
    if hashtag.lower() not in BRAND["hashtags"]:
        return []
    entries: list[tuple[int, Callable[[], Status]]] = []
    for placed in catalog.visible("mastodon"):
        original = partial(status, placed, base_url)
        entries.append((snowflake(placed.published_at, int(placed.item.id)), original))
        for index, boost in enumerate(placed.item.extra.get("reblogs", [])):
            moment = placed.published_at + timedelta(seconds=boost["after_s"])
            if catalog.is_visible(moment):
                number = snowflake(moment, int(placed.item.id) + 1000 * (index + 1))
                entries.append((number, partial(reblog, original, number, moment, boost["account"],
                                                base_url)))
    entries.sort(key=lambda pair: pair[0], reverse=True)
    return entries


def _id(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    if not value.isdigit():
        raise BadRequest(f"{name} must be a status id, not {value!r}")
    return int(value)


def tag_timeline(request: Request, catalog: Catalog, match: re.Match[str],
                 limiter: RateLimit) -> Reply:
    allowed, headers = limiter.take()
    if not allowed:
        return json_reply({"error": "Too many requests"}, 429, headers)
    try:
        limit = parse_int(request.arg("limit"), "limit", 20, 1, 10**6)
        max_id = _id(request.arg("max_id"), "max_id")
        since_id = _id(request.arg("since_id"), "since_id")
        min_id = _id(request.arg("min_id"), "min_id")
    except BadRequest as exc:
        return json_reply({"error": str(exc)}, 422, headers)
    limit = min(limit, 40)
    hashtag = match["hashtag"]
    candidates = [
        pair for pair in timeline(catalog, hashtag, request.base_url)
        if (max_id is None or pair[0] < max_id)
        and (since_id is None or pair[0] > since_id)
        and (min_id is None or pair[0] > min_id)
    ]
    chosen = candidates[-limit:] if min_id is not None else candidates[:limit]
    if chosen:
        url = f"{request.base_url}/api/v1/timelines/tag/{quote(hashtag, safe='')}?limit={limit}"
        headers["Link"] = (
            f'<{url}&max_id={chosen[-1][0]}>; rel="next", <{url}&min_id={chosen[0][0]}>; rel="prev"'
        )
    return json_reply([build() for _, build in chosen], 200, headers)
