from __future__ import annotations

from datetime import UTC, datetime

from conftest import FakeApi, fixture_reply, reply

from collector.base import BrandTerms
from collector.hacker_news import HackerNews, HackerNewsParams
from collector.http import Http

HOST = "hn.algolia.com"
PATH = "/api/v1/search_by_date"
BRAND = BrandTerms(name="Acme Telecom", keywords=("AcmeTel",))


def test_stories_and_comments_are_parsed(api: FakeApi, http: Http, run) -> None:
    api.route(HOST, PATH, fixture_reply("hacker_news", "page0.json"),
              fixture_reply("hacker_news", "page1.json"))
    result = run(HackerNews(HackerNewsParams(), BRAND), http)
    assert result.ids == ["41000010", "41000001", "41000002", "40999050"]
    assert result.skipped == 1
    comment, story, ask = result.mentions[:3]
    assert comment.text == (
        "AcmeTel's outage page said \"all good\" for an hour.\n"
        "Their status feed: https://status.acmetel.example/incidents/42\n"
        "See this writeup (https://example.com/writeup)."
    )
    assert comment.title == "Acme Telecom down across the US East coast"
    assert comment.url == "https://news.ycombinator.com/item?id=41000010"
    assert comment.author == "tptacek"
    assert comment.published_at == datetime(2026, 11, 20, 15, 4, 5, tzinfo=UTC)
    assert story.text == story.title == "Acme Telecom down across the US East coast"
    assert story.metrics == {"points": 312, "replies": 87, "link": "https://news.example.com/acme-outage"}
    assert ask.text == "Has anyone moved off AcmeTel business plans? Their support takes > 2 weeks."


def test_the_query_asks_for_both_kinds_since_the_window_and_pages(
    api: FakeApi, http: Http, run
) -> None:
    api.route(HOST, PATH, fixture_reply("hacker_news", "page0.json"),
              fixture_reply("hacker_news", "page1.json"))
    since = datetime(2026, 11, 1, tzinfo=UTC)
    run(HackerNews(HackerNewsParams(), BRAND), http, since=since)
    assert [api.params(i)["page"] for i in range(2)] == ["0", "1"]
    assert api.params(0) == {
        "query": "AcmeTel", "tags": "(story,comment)",
        "numericFilters": f"created_at_i>={int(since.timestamp())}",
        "hitsPerPage": "100", "page": "0",
    }


def test_the_next_run_starts_at_the_newest_hit_and_skips_what_it_has(
    api: FakeApi, http: Http, run
) -> None:
    api.route(HOST, PATH, fixture_reply("hacker_news", "page0.json"),
              fixture_reply("hacker_news", "page1.json"))
    first = run(HackerNews(HackerNewsParams(), BRAND), http)
    assert first.cursor == {"streams": {"AcmeTel": {
        "newest": "2026-11-20T15:04:05+00:00", "ids": ["41000010"]}}}
    newest = {"hits": [
        {"objectID": "41000020", "created_at_i": 1795187045, "author": "a", "comment_text": "same second",
         "story_title": "t"},
        {"objectID": "41000010", "created_at_i": 1795187045, "author": "tptacek", "comment_text": "seen"},
    ], "nbPages": 1, "page": 0}
    api.route(HOST, PATH, reply(newest))
    api.requests.clear()
    second = run(HackerNews(HackerNewsParams(), BRAND), http, cursor=first.cursor)
    assert second.ids == ["41000020"]
    assert api.params()["numericFilters"] == "created_at_i>=1795187045"
    assert sorted(second.cursor["streams"]["AcmeTel"]["ids"]) == ["41000010", "41000020"]


def test_an_explicit_query_replaces_the_keywords(api: FakeApi, http: Http, run) -> None:
    api.route(HOST, PATH, reply({"hits": [], "nbPages": 0}))
    run(HackerNews(HackerNewsParams(query="Acme outage", tags=["story"]), BRAND), http)
    assert api.params()["query"] == "Acme outage"
    assert api.params()["tags"] == "(story)"
