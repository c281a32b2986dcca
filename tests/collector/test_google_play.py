from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from conftest import FakeApi, fixture_reply

from collector.base import BrandTerms
from collector.errors import FatalError
from collector.google_play import GooglePlay, GooglePlayParams, parse_envelope
from collector.http import Http

HOST = "play.google.com"
PATH = "/_/PlayStoreUi/data/batchexecute"
BRAND = BrandTerms(name="Acme Telecom", google_play_ids=("com.acmetelecom.app",))


def collector(**params: Any) -> GooglePlay:
    return GooglePlay(GooglePlayParams(**params), BRAND)


def inner_request(request: httpx.Request) -> list[Any]:
    form = parse_qs(request.content.decode())
    envelope = json.loads(form["f.req"][0])
    assert envelope[0][0][0] == "oCPfdb"
    return json.loads(envelope[0][0][1])


def test_reviews_are_parsed_from_the_prefixed_envelope(api: FakeApi, http: Http, run) -> None:
    api.route(HOST, PATH, fixture_reply("google_play", "page1.txt"),
              fixture_reply("google_play", "page2_last.txt"))
    result = run(collector(), http)
    assert result.ids == ["gp:AOqpTOF1aaa", "gp:AOqpTOF1bbb", "gp:AOqpTOF1ccc",
                          "gp:AOqpTOF1ddd", "gp:AOqpTOF1eee"]
    first = result.mentions[0]
    assert first.rating == 1
    assert first.author == "Priya S"
    assert first.text == "App logs me out every day. Support chat is a bot loop."
    assert first.published_at == datetime(2026, 11, 26, tzinfo=UTC)
    assert first.language == "en"
    assert first.metrics == {"likes": 12, "developer_replied": True, "app_version": "5.2.1"}
    assert first.url == ("https://play.google.com/store/apps/details?id=com.acmetelecom.app"
                         "&reviewId=gp:AOqpTOF1aaa")
    assert result.mentions[2].text == ""  # a rating without words is still a review
    assert result.skipped == 1


def test_the_request_asks_for_newest_reviews_and_follows_the_token(
    api: FakeApi, http: Http, run
) -> None:
    api.route(HOST, PATH, fixture_reply("google_play", "page1.txt"),
              fixture_reply("google_play", "page2_last.txt"))
    run(collector(language="pt-BR", country="br"), http)
    first, second = api.requests
    assert dict(first.url.params) == {"hl": "pt-BR", "gl": "br"}
    assert inner_request(first) == [None, [2, 2, [100], None, [None, None]], ["com.acmetelecom.app", 7]]
    assert inner_request(second)[1][2] == [100, None, "CpEBCo4BKmgKZvdYc2pg"]


def test_the_next_run_stops_at_the_newest_review_already_collected(
    api: FakeApi, http: Http, run
) -> None:
    api.route(HOST, PATH, fixture_reply("google_play", "page2_last.txt"))
    first = run(collector(), http)
    assert first.ids == ["gp:AOqpTOF1ddd", "gp:AOqpTOF1eee"]
    api.route(HOST, PATH, fixture_reply("google_play", "page1.txt"),
              fixture_reply("google_play", "page2_last.txt"))
    api.requests.clear()
    second = run(collector(), http, cursor=first.cursor)
    assert second.ids == ["gp:AOqpTOF1aaa", "gp:AOqpTOF1bbb", "gp:AOqpTOF1ccc"]
    assert second.cursor["streams"]["com.acmetelecom.app"]["ids"] == ["gp:AOqpTOF1aaa"]


def test_a_gateway_error_inside_a_200_is_retried(api: FakeApi, http: Http, run) -> None:
    api.route(HOST, PATH, fixture_reply("google_play", "gateway_error.txt"),
              fixture_reply("google_play", "page2_last.txt"))
    result = run(collector(), http)
    assert len(result.ids) == 2
    assert len(api.requests) == 2


def test_an_app_without_reviews(api: FakeApi, http: Http, run) -> None:
    api.route(HOST, PATH, fixture_reply("google_play", "no_reviews.txt"))
    result = run(collector(), http)
    assert result.ids == []
    assert len(api.requests) == 1


def test_an_unreadable_answer_is_fatal() -> None:
    with pytest.raises(FatalError, match="batchexecute"):
        parse_envelope(")]}'\n\n<html>captcha</html>")


def test_an_answer_nested_past_the_parser_depth_is_a_clear_error() -> None:
    with pytest.raises(FatalError, match="nested too deeply"):
        parse_envelope(")]}'\n" + "[" * 100_000 + "]" * 100_000)
