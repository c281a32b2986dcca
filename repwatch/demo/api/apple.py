"""The App Store customer-reviews RSS feed in JSON, as itunes.apple.com serves it.

`GET /{country}/rss/customerreviews/page={n}/id={appId}/sortby=mostrecent/json`: every value
wrapped as {"label": ...}, `feed.entry` a list (a single object when a page holds one review,
absent when it holds none), newest first, 50 a page, 10 pages at most, so only the newest 500
reviews of a storefront are reachable, as with the real feed. Times are Pacific, as Apple's are.
"""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo

from repwatch.demo.api.common import Catalog, Reply, Request, json_reply, stable_number, text_reply
from repwatch.demo.data import PlacedItem

PATH = re.compile(
    r"^/(?P<country>[a-z]{2})/rss/customerreviews/page=(?P<page>\d+)"
    r"/id=(?P<app_id>\d+)/sortby=mostrecent/json$"
)
PAGE_SIZE = 50
MAX_PAGES = 10
PACIFIC = ZoneInfo("America/Los_Angeles")


def _label(value: Any) -> dict[str, Any]:
    return {"label": value}


def _pacific(placed: PlacedItem) -> str:
    return placed.published_at.astimezone(PACIFIC).isoformat(timespec="seconds")


def entry(placed: PlacedItem, country: str, app_id: str) -> dict[str, Any]:
    item = placed.item
    author_id = stable_number(f"apple-author:{item.author}", 9)
    return {
        "author": {
            "uri": _label(f"https://itunes.apple.com/{country}/reviews/id{author_id}"),
            "name": _label(item.author),
            "label": "",
        },
        "updated": _label(_pacific(placed)),
        "im:rating": _label(str(item.rating)),
        "im:version": _label(item.extra.get("version") or ""),
        "id": _label(item.id),
        "title": _label(item.title or ""),
        "content": {"label": item.text, "attributes": {"type": "text"}},
        "link": {"attributes": {
            "rel": "related",
            "href": f"https://itunes.apple.com/{country}/review?id={app_id}&type=Purple%20Software",
        }},
        "im:voteSum": _label(str(item.metrics.get("vote_sum", 0))),
        "im:contentType": {"attributes": {"term": "Application", "label": "Application"}},
        "im:voteCount": _label(str(item.metrics.get("vote_count", 0))),
    }


def _page_link(request: Request, rel: str, country: str, page: int, app_id: str) -> dict[str, Any]:
    href = (
        f"{request.base_url}/{country}/rss/customerreviews/page={page}/id={app_id}"
        "/sortby=mostrecent/json"
    )
    return {"attributes": {"rel": rel, "href": href}}


def customer_reviews(request: Request, catalog: Catalog, match: re.Match[str]) -> Reply:
    country, app_id, page = match["country"], match["app_id"], int(match["page"])
    if not 1 <= page <= MAX_PAGES:
        return text_reply(f"CustomerReviews RSS page depth is limited to {MAX_PAGES}", 400)
    reviews = [
        placed
        for placed in catalog.visible("apple_app_store")
        if placed.item.extra.get("country") == country and app_id in placed.item.app_ids("apple_app_ids")
    ][: PAGE_SIZE * MAX_PAGES]
    last_page = max(1, -(-len(reviews) // PAGE_SIZE))
    chosen = reviews[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    updated = catalog.visible_before.astimezone(PACIFIC).isoformat(timespec="seconds")
    links = [
        {"attributes": {"rel": "alternate", "type": "text/html",
                        "href": f"https://apps.apple.com/{country}/app/id{app_id}"}},
        _page_link(request, "self", country, page, app_id),
        _page_link(request, "first", country, 1, app_id),
        _page_link(request, "last", country, last_page, app_id),
        _page_link(request, "previous", country, max(1, page - 1), app_id),
        _page_link(request, "next", country, min(last_page, page + 1), app_id),
    ]
    feed: dict[str, Any] = {
        "author": {"name": _label("iTunes Store"), "uri": _label("http://www.apple.com/itunes/")},
        "updated": _label(updated),
        "rights": _label("Copyright 2008 Apple Inc."),
        "title": _label("iTunes Store: Customer Reviews"),
        "icon": _label("http://itunes.apple.com/favicon.ico"),
        "link": links,
        "id": _label(f"{request.base_url}{request.path}"),
    }
    entries = [entry(placed, country, app_id) for placed in chosen]
    if len(entries) == 1:
        feed["entry"] = entries[0]
    elif entries:
        feed["entry"] = entries
    return json_reply({"feed": feed}, headers={"Cache-Control": "max-age=300"})
