"""The demo server answers each API in its real shape, over real HTTP on the loopback."""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import feedparser
import httpx
import pytest

from repwatch.demo.data import BRAND, DemoItem, PlacedItem, place
from repwatch.demo.server import DemoServer

APP_ID = BRAND["apple_app_ids"][0]
PACKAGE = BRAND["google_play_ids"][0]


def visible(items: list[DemoItem], now: datetime, source: str) -> list[PlacedItem]:
    return [p for p in place(items, now) if p.item.source == source]


# ---- the server itself ------------------------------------------------------------------------


def test_it_listens_on_the_loopback_only_and_stops_cleanly(items: list[DemoItem], now: datetime) -> None:
    server = DemoServer(now, items[:10]).start()
    host, port = server.address
    assert host == "127.0.0.1" and port > 0
    assert server.base_url == f"http://127.0.0.1:{port}"
    server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/feeds/tidewell.xml", timeout=2)


def test_unknown_paths_and_wrong_methods_are_refused(server: DemoServer, client: httpx.Client) -> None:
    assert client.get(f"{server.base_url}/nothing/here").status_code == 404
    wrong = client.get(f"{server.base_url}/_/PlayStoreUi/data/batchexecute")
    assert wrong.status_code == 405 and wrong.headers["allow"] == "POST"


def test_the_planted_ground_truth_is_never_served(server: DemoServer, client: httpx.Client) -> None:
    base = server.base_url
    bodies = [
        client.get(f"{base}/us/rss/customerreviews/page=1/id={APP_ID}/sortby=mostrecent/json").text,
        client.get(f"{base}/api/v1/search_by_date", params={"hitsPerPage": 1000}).text,
        client.get(f"{base}/feeds/tidewell.xml").text,
        client.get(f"{base}/api/v1/timelines/tag/tidewell", params={"limit": 40}).text,
        client.post(f"{base}/_/PlayStoreUi/data/batchexecute", data=play_form(PACKAGE, 199)).text,
    ]
    for body in bodies:
        assert "planted" not in body and "seconds_before_now" not in body


# ---- Apple App Store --------------------------------------------------------------------------


def apple_page(client: httpx.Client, base: str, country: str, page: int, app_id: str = APP_ID) -> Any:
    url = f"{base}/{country}/rss/customerreviews/page={page}/id={app_id}/sortby=mostrecent/json"
    return client.get(url)


@pytest.mark.parametrize("country", ["us", "gb"])
def test_app_store_serves_newest_first_50_a_page_with_every_value_wrapped(
    server: DemoServer, client: httpx.Client, items: list[DemoItem], now: datetime, country: str
) -> None:
    expected = [p for p in visible(items, now, "apple_app_store") if p.item.extra["country"] == country]
    entries = []
    for page in range(1, 11):
        answer = apple_page(client, server.base_url, country, page)
        assert answer.status_code == 200
        found = answer.json()["feed"].get("entry", [])
        found = found if isinstance(found, list) else [found]
        assert len(found) <= 50
        entries += found
    assert len(entries) == min(500, len(expected))
    assert [e["id"]["label"] for e in entries] == [p.item.id for p in expected[:500]]
    times = [datetime.fromisoformat(e["updated"]["label"]) for e in entries]
    assert times == sorted(times, reverse=True)
    assert all(t.utcoffset() in (timedelta(hours=-7), timedelta(hours=-8)) for t in times)
    first, item = entries[0], expected[0].item
    assert first["im:rating"]["label"] == str(item.rating)
    assert first["content"]["label"] == item.text and first["title"]["label"] == item.title
    assert first["author"]["name"]["label"] == item.author
    assert first["im:version"]["label"] == item.extra["version"]
    assert set(first["im:voteCount"]) == {"label"}


def test_app_store_stops_at_page_ten_and_serves_nothing_for_other_apps(
    server: DemoServer, client: httpx.Client
) -> None:
    assert apple_page(client, server.base_url, "us", 11).status_code == 400
    assert "entry" not in apple_page(client, server.base_url, "us", 1, "123").json()["feed"]


def test_a_page_holding_one_review_has_it_as_an_object_not_a_list(
    items: list[DemoItem], now: datetime, client: httpx.Client
) -> None:
    us = [p.item for p in visible(items, now, "apple_app_store") if p.item.extra["country"] == "us"]
    with DemoServer(now, us[:51]) as small:
        assert isinstance(apple_page(client, small.base_url, "us", 2).json()["feed"]["entry"], dict)
        assert "entry" not in apple_page(client, small.base_url, "us", 3).json()["feed"]


def test_app_store_serves_only_what_was_published_before_the_clock(
    items: list[DemoItem], now: datetime, client: httpx.Client
) -> None:
    with DemoServer(now, items) as moving:
        moving.visible_before = now - timedelta(days=1)
        newest = apple_page(client, moving.base_url, "us", 1).json()["feed"]["entry"][0]
        assert datetime.fromisoformat(newest["updated"]["label"]) < now - timedelta(days=1)


# ---- Google Play ------------------------------------------------------------------------------


def play_form(package: str, count: int, token: str | None = None, score: int | None = None) -> dict[str, str]:
    page: list[Any] = [count, None, token] if token else [count]
    inner = [None, [2, 2, page, None, [None, score]], [package, 7]]
    return {"f.req": json.dumps([[["oCPfdb", json.dumps(inner), None, "generic"]]])}


def play_call(client: httpx.Client, base: str, form: dict[str, str], hl: str = "en") -> tuple[list[Any], str | None]:
    answer = client.post(f"{base}/_/PlayStoreUi/data/batchexecute", params={"hl": hl, "gl": "us"}, data=form)
    assert answer.status_code == 200
    assert answer.text.startswith(")]}'\n")
    rows = json.loads(answer.text[4:])
    assert rows[0][:2] == ["wrb.fr", "oCPfdb"]
    payload = json.loads(rows[0][2])
    return payload[0], payload[-1][-1]


def test_google_play_pages_through_every_review_newest_first_by_token(
    server: DemoServer, client: httpx.Client, items: list[DemoItem], now: datetime
) -> None:
    expected = visible(items, now, "google_play")
    reviews: list[Any] = []
    token = None
    for _ in range(100):
        page, token = play_call(client, server.base_url, play_form(PACKAGE, 100, token))
        assert len(page) <= 100
        reviews += page
        if token is None:
            break
    assert [r[0] for r in reviews] == [p.item.id for p in expected]
    assert [r[5][0] for r in reviews] == [int(p.published_at.timestamp()) for p in expected]
    first, item = reviews[0], expected[0].item
    assert (first[1][0], first[2], first[4], first[6], first[10]) == (
        item.author, item.rating, item.text, item.metrics["thumbs_up"], item.extra["version"]
    )
    replies = [r for r in reviews if r[7] is not None]
    assert replies, "some reviews carry a developer reply"
    assert all(isinstance(r[7][1], str) and r[7][2][0] < now.timestamp() for r in replies)


def test_google_play_filters_by_score_and_language(server: DemoServer, client: httpx.Client) -> None:
    page, token = play_call(client, server.base_url, play_form(PACKAGE, 50, score=1))
    assert page and all(review[2] == 1 for review in page)
    following, _ = play_call(client, server.base_url, play_form(PACKAGE, 50, token))
    assert following and all(review[2] == 1 for review in following)
    assert play_call(client, server.base_url, play_form(PACKAGE, 50), hl="de") == ([], None)


def test_google_play_refuses_a_malformed_request_and_knows_no_other_app(
    server: DemoServer, client: httpx.Client
) -> None:
    url = f"{server.base_url}/_/PlayStoreUi/data/batchexecute"
    assert client.post(url, data={"f.req": "[[[\"oCPfdb\", \"not json\"]]]"}).status_code == 400
    assert client.post(url, data={"other": "x"}).status_code == 400
    answer = client.post(url, data=play_form("com.example.other", 10))
    assert json.loads(answer.text[4:])[0][2] is None


# ---- Hacker News (Algolia) --------------------------------------------------------------------


def hn(client: httpx.Client, base: str, **params: Any) -> httpx.Response:
    return client.get(f"{base}/api/v1/search_by_date", params=params)


def test_hacker_news_honours_the_time_filter_and_pages(
    server: DemoServer, client: httpx.Client, items: list[DemoItem], now: datetime
) -> None:
    since = int((now - timedelta(days=20)).timestamp())
    expected = [p for p in visible(items, now, "hacker_news") if p.published_at.timestamp() > since]
    params = {"query": "Tidewell", "tags": "(story,comment)", "numericFilters": f"created_at_i>{since}",
              "hitsPerPage": 10}
    first = hn(client, server.base_url, **params, page=0).json()
    assert first["nbHits"] == len(expected) and first["hitsPerPage"] == 10
    assert first["nbPages"] == math.ceil(len(expected) / 10)
    hits = []
    for page in range(first["nbPages"] + 1):
        hits += hn(client, server.base_url, **params, page=page).json()["hits"]
    assert [h["objectID"] for h in hits] == [p.item.id for p in expected]
    assert all(h["created_at_i"] > since for h in hits)
    assert all(h["created_at"].endswith("Z") for h in hits)


def test_hacker_news_hits_have_the_story_and_comment_fields(server: DemoServer, client: httpx.Client) -> None:
    stories = hn(client, server.base_url, tags="story", hitsPerPage=1000).json()["hits"]
    comments = hn(client, server.base_url, tags="comment", hitsPerPage=1000).json()["hits"]
    assert stories and comments
    assert all("story" in h["_tags"] and h["title"] and h["points"] >= 1 for h in stories)
    assert all(h["url"] or h["story_text"] for h in stories)
    assert all(h["comment_text"] and h["story_title"] and h["parent_id"] for h in comments)
    assert any("&#x27;" in h["comment_text"] for h in comments), "comment text is HTML"


def test_hacker_news_query_matching_and_bad_filters(server: DemoServer, client: httpx.Client) -> None:
    total = hn(client, server.base_url, hitsPerPage=1).json()["nbHits"]
    assert hn(client, server.base_url, query="tidew", hitsPerPage=1).json()["nbHits"] == total
    assert hn(client, server.base_url, query="zebra crossing", hitsPerPage=1).json()["nbHits"] == 0
    bad = hn(client, server.base_url, numericFilters="created_at_i>>3")
    assert bad.status_code == 400 and "numericFilters" in bad.json()["message"]


# ---- Google Alerts feed -----------------------------------------------------------------------


def test_the_alerts_feed_is_atom_with_google_redirect_links_and_bold_keywords(
    server: DemoServer, client: httpx.Client, items: list[DemoItem], now: datetime
) -> None:
    expected = visible(items, now, "rss")
    answer = client.get(f"{server.base_url}/feeds/tidewell.xml")
    feed = feedparser.parse(answer.content)
    assert feed.version == "atom10" and not feed.bozo
    assert len(feed.entries) == len(expected)
    entry, item = feed.entries[0], expected[0].item
    link = urlsplit(entry.link)
    assert (link.hostname, link.path) == ("www.google.com", "/url")
    assert parse_qs(link.query)["url"] == [item.extra["url"]]
    assert "<b>Tidewell</b>" in entry.title and entry.title_detail.type == "text/html"
    assert entry.id.startswith("tag:google.com,2013:googlealerts/feed:")


def test_the_alerts_feed_answers_304_to_a_matching_conditional_get(
    items: list[DemoItem], now: datetime, client: httpx.Client
) -> None:
    with DemoServer(now, items) as moving:
        url = f"{moving.base_url}/feeds/tidewell.xml"
        moving.visible_before = now - timedelta(days=2)
        first = client.get(url)
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        same = client.get(url, headers={"If-None-Match": etag})
        assert same.status_code == 304 and same.content == b"" and same.headers["etag"] == etag
        assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
        moving.visible_before = now
        changed = client.get(url, headers={"If-None-Match": etag})
        assert changed.status_code == 200 and changed.headers["etag"] != etag
        assert parsedate_to_datetime(changed.headers["last-modified"]) > parsedate_to_datetime(modified)
        assert client.get(f"{moving.base_url}/feeds/other.xml").status_code == 404


# ---- Mastodon ---------------------------------------------------------------------------------


def timeline(client: httpx.Client, base: str, **params: Any) -> httpx.Response:
    return client.get(f"{base}/api/v1/timelines/tag/tidewell", params=params)


def follow_next(client: httpx.Client, url: str) -> Iterator[list[dict[str, Any]]]:
    while url:
        answer = client.get(url)
        statuses = answer.json()
        if not statuses:
            return
        yield statuses
        links = dict((rel, target) for target, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', answer.headers["link"]))
        url = links["next"]


def test_mastodon_pages_back_through_the_timeline_by_link_header(
    server: DemoServer, client: httpx.Client, items: list[DemoItem], now: datetime
) -> None:
    expected = visible(items, now, "mastodon")
    statuses = [s for page in follow_next(client, f"{server.base_url}/api/v1/timelines/tag/TideWell?limit=40")
                for s in page]
    ids = [int(s["id"]) for s in statuses]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)
    originals = [s for s in statuses if s["reblog"] is None]
    assert len(originals) == len(expected)
    reblogs = [s for s in statuses if s["reblog"] is not None]
    assert reblogs and all(s["content"] == "" and s["reblog"]["content"] for s in reblogs)
    assert any(s["account"]["noindex"] for s in originals)
    first = originals[0]
    assert first["created_at"].endswith("Z") and first["content"].startswith("<p>")
    assert 'class="mention hashtag"' in first["content"] and first["uri"] and first["url"]
    assert first["language"] == expected[0].item.language


def test_mastodon_limit_min_id_and_since_id(server: DemoServer, client: httpx.Client) -> None:
    base = server.base_url
    assert len(timeline(client, base).json()) == 20
    assert len(timeline(client, base, limit=100).json()) == 40
    newest = [int(s["id"]) for s in timeline(client, base, limit=40).json()]
    pivot = newest[30]
    after = [int(s["id"]) for s in timeline(client, base, limit=5, min_id=pivot).json()]
    assert after == newest[25:30], "min_id gives the five just after it, newest first"
    latest = [int(s["id"]) for s in timeline(client, base, limit=5, since_id=pivot).json()]
    assert latest == newest[:5]
    assert timeline(client, base, min_id=newest[0]).json() == []
    assert client.get(f"{base}/api/v1/timelines/tag/somethingelse").json() == []


def test_mastodon_counts_requests_and_answers_429_past_the_limit(
    items: list[DemoItem], now: datetime, client: httpx.Client
) -> None:
    with DemoServer(now, items[:50], mastodon_rate_limit=3) as limited:
        answers = [timeline(client, limited.base_url, limit=1) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["x-ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
    reset = datetime.fromisoformat(answers[0].headers["x-ratelimit-reset"].replace("Z", "+00:00"))
    assert reset.tzinfo is not None


# ---- Bluesky ----------------------------------------------------------------------------------


def session(client: httpx.Client, server: DemoServer, password: str | None = None) -> httpx.Response:
    return client.post(
        f"{server.base_url}/xrpc/com.atproto.server.createSession",
        json={"identifier": server.bluesky_identifier, "password": password or server.bluesky_password},
    )


def search(client: httpx.Client, server: DemoServer, token: str | None, **params: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(f"{server.base_url}/xrpc/app.bsky.feed.searchPosts", params=params, headers=headers)


def test_bluesky_search_needs_a_session(server: DemoServer, client: httpx.Client) -> None:
    assert search(client, server, None, q="Tidewell").status_code == 403
    assert search(client, server, "made.up.token", q="Tidewell").json()["error"] == "InvalidToken"
    refused = session(client, server, password="wrong")
    assert refused.status_code == 401 and refused.json()["error"] == "AuthenticationRequired"
    created = session(client, server).json()
    claims = created["accessJwt"].split(".")[1]
    assert json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))["exp"] > 0
    assert created["did"].startswith("did:plc:") and created["handle"] == server.bluesky_identifier


def test_bluesky_search_pages_newest_first_and_honours_since(
    server: DemoServer, client: httpx.Client, items: list[DemoItem], now: datetime
) -> None:
    token = session(client, server).json()["accessJwt"]
    since = now - timedelta(days=10)
    expected = [p for p in visible(items, now, "bluesky") if p.published_at >= since]
    params: dict[str, Any] = {"q": "tidewell", "sort": "latest", "limit": 100,
                              "since": since.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
    posts = []
    while True:
        body = search(client, server, token, **params).json()
        posts += body["posts"]
        if "cursor" not in body:
            break
        params["cursor"] = body["cursor"]
    assert [p["uri"].rsplit("/", 1)[-1] for p in posts] == [p.item.id for p in expected]
    first, item = posts[0], expected[0].item
    assert first["uri"].startswith(f"at://{first['author']['did']}/app.bsky.feed.post/")
    assert first["record"]["text"] == item.text and first["record"]["langs"] == [item.language]
    assert first["author"]["handle"] == item.author and first["likeCount"] == item.metrics["likes"]
    assert first["indexedAt"] >= first["record"]["createdAt"]
    assert search(client, server, token, q="tidewell", limit=101).status_code == 400
    assert search(client, server, token).json()["error"] == "InvalidRequest"


def test_bluesky_expired_tokens_are_refreshed_once(
    items: list[DemoItem], now: datetime, client: httpx.Client
) -> None:
    with DemoServer(now, items[:50], bluesky_access_seconds=0) as expiring:
        tokens = session(client, expiring).json()
        expired = search(client, expiring, tokens["accessJwt"], q="Tidewell")
        assert expired.status_code == 400 and expired.json()["error"] == "ExpiredToken"
        refresh_url = f"{expiring.base_url}/xrpc/com.atproto.server.refreshSession"
        bearer = {"Authorization": f"Bearer {tokens['refreshJwt']}"}
        renewed = client.post(refresh_url, headers=bearer)
        assert renewed.status_code == 200 and renewed.json()["accessJwt"] != tokens["accessJwt"]
        reused = client.post(refresh_url, headers=bearer)
        assert reused.status_code == 400 and reused.json()["error"] == "ExpiredToken"


def test_bluesky_limits_session_creation(items: list[DemoItem], now: datetime, client: httpx.Client) -> None:
    with DemoServer(now, items[:10]) as limited:
        answers = [session(client, limited).status_code for _ in range(31)]
    assert answers[:30] == [200] * 30 and answers[30] == 429
