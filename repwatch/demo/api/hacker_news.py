"""Hacker News search by date, as Algolia's hn.algolia.com/api/v1/search_by_date answers it.

Honours `query` (every word must match a word of the item, the last one as a prefix), `tags`
(comma = and, parentheses = or, e.g. `(story,comment)` or `story,author_pg`), `numericFilters`
on created_at_i, points and num_comments, `hitsPerPage` and `page`; newest first; like Algolia,
no more than 1,000 hits are reachable through pages.
"""

from __future__ import annotations

import html
import math
import re
from typing import Any

from repwatch.demo.api.common import (
    BadRequest,
    Catalog,
    Reply,
    Request,
    iso_z,
    json_reply,
    parse_int,
)
from repwatch.demo.data import PlacedItem

PATH = re.compile(r"^/api/v1/search_by_date$")
MAX_REACHABLE = 1000
NUMERIC = re.compile(r"^\s*(created_at_i|points|num_comments)\s*(<=|>=|!=|<|>|=)\s*(-?\d+)\s*$")
WORD = re.compile(r"\w+")


def item_tags(placed: PlacedItem) -> set[str]:
    item = placed.item
    tags = {f"author_{item.author}", f"story_{item.extra['story_id']}"}
    if item.extra["kind"] == "comment":
        return tags | {"comment"}
    tags.add("story")
    title = item.title or ""
    if title.startswith("Ask HN"):
        tags.add("ask_hn")
    if title.startswith("Show HN"):
        tags.add("show_hn")
    return tags


def parse_tags(value: str | None) -> list[set[str]]:
    """`a,(b,c)` -> [{a}, {b, c}]: every group must have a tag in common with the item."""
    if not value:
        return []
    groups: list[set[str]] = []
    for part in re.findall(r"\([^)]*\)|[^,()]+", value):
        names = {name.strip() for name in part.strip("()").split(",") if name.strip()}
        if names:
            groups.append(names)
    return groups


def parse_numeric(value: str | None) -> list[tuple[str, str, int]]:
    if not value:
        return []
    filters = []
    for part in value.split(","):
        match = NUMERIC.match(part)
        if not match:
            raise BadRequest(f"invalid numericFilters {part!r}")
        filters.append((match[1], match[2], int(match[3])))
    return filters


def numbers(placed: PlacedItem) -> dict[str, int]:
    return {
        "created_at_i": int(placed.published_at.timestamp()),
        "points": int(placed.item.metrics.get("points") or 0),
        "num_comments": int(placed.item.extra.get("num_comments") or 0),
    }


def compare(left: int, operator: str, right: int) -> bool:
    return {
        "<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right,
        "=": left == right, "!=": left != right,
    }[operator]


def matches_query(placed: PlacedItem, query: str) -> bool:
    wanted = WORD.findall(query.lower())
    if not wanted:
        return True
    item = placed.item
    words = set(WORD.findall(f"{item.title or ''} {item.text} {item.extra.get('url') or ''}".lower()))
    *whole, last = wanted
    return all(w in words for w in whole) and any(w.startswith(last) for w in words)


def hit(placed: PlacedItem) -> dict[str, Any]:
    item = placed.item
    stamp = iso_z(placed.published_at, milliseconds=False)
    common = {
        "author": item.author,
        "created_at": stamp,
        "created_at_i": int(placed.published_at.timestamp()),
        "objectID": item.id,
        "updated_at": stamp,
        "story_id": item.extra["story_id"],
        "_tags": sorted(item_tags(placed)),
    }
    if item.extra["kind"] == "comment":
        return common | {
            "comment_text": html.escape(item.text),
            "parent_id": item.extra["story_id"],
            "story_title": item.extra["story_title"],
            "story_url": item.extra.get("story_url"),
            "points": None,
        }
    story_text = None if item.extra.get("url") else html.escape(item.text)
    return common | {
        "title": item.title,
        "url": item.extra.get("url"),
        "story_text": story_text,
        "points": item.metrics.get("points", 1),
        "num_comments": item.extra.get("num_comments", 0),
        "children": [],
    }


def search_by_date(request: Request, catalog: Catalog, match: re.Match[str]) -> Reply:
    try:
        per_page = parse_int(request.arg("hitsPerPage"), "hitsPerPage", 20, 0, 1000)
        page = parse_int(request.arg("page"), "page", 0, 0, 10**6)
        numeric = parse_numeric(request.arg("numericFilters"))
    except BadRequest as exc:
        return json_reply({"message": str(exc), "status": 400}, 400)
    query = request.arg("query", "") or ""
    tag_groups = parse_tags(request.arg("tags"))
    found = []
    for placed in catalog.visible("hacker_news"):
        values = numbers(placed)
        tags = item_tags(placed)
        if (
            all(group & tags for group in tag_groups)
            and all(compare(values[name], op, limit) for name, op, limit in numeric)
            and matches_query(placed, query)
        ):
            found.append(placed)
    reachable = found[:MAX_REACHABLE]
    pages = min(math.ceil(len(reachable) / per_page), MAX_REACHABLE // per_page) if per_page else 0
    chosen = reachable[page * per_page : (page + 1) * per_page] if page < pages else []
    return json_reply({
        "hits": [hit(placed) for placed in chosen],
        "nbHits": len(found),
        "page": page,
        "nbPages": pages,
        "hitsPerPage": per_page,
        "exhaustiveNbHits": True,
        "exhaustiveTypo": True,
        "exhaustive": {"nbHits": True, "typo": True},
        "query": query,
        "params": request.raw_query,
        "processingTimeMS": 1,
    })
