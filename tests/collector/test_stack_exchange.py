from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import FakeApi, fixture_reply, reply

from collector.base import BrandTerms
from collector.errors import StreamsFailed
from collector.http import Http
from collector.stack_exchange import StackExchange, StackExchangeParams

BRAND = BrandTerms(name="Acme Telecom", keywords=("AcmeTel",))
HOST = "api.stackexchange.com"
PATH = "/2.3/search/advanced"
SINCE = datetime(2026, 11, 1, tzinfo=UTC)
KEY = "k3y-value-U8x"


def stack(**params: Any) -> StackExchange:
    values = {"key_env": "SE_KEY", **params}
    return StackExchange(StackExchangeParams.model_validate(values, context={"check_env": False}),
                         BRAND, {"key": KEY})


def test_questions_are_parsed_oldest_first_with_a_cursor_per_page(api: FakeApi, http: Http, run) -> None:
    api.route(HOST, PATH, fixture_reply("stack_exchange", "search_page1.json"),
              fixture_reply("stack_exchange", "search_page2.json"))
    result = run(stack(), http, since=SINCE)
    assert api.params(0) == {"site": "stackoverflow", "q": "AcmeTel", "sort": "creation", "order": "asc",
                             "fromdate": str(int(SINCE.timestamp())), "pagesize": "100",
                             "filter": "withbody", "key": KEY, "page": "1"}
    assert api.params(1)["page"] == "2"
    assert result.ids == ["stackoverflow:79100001", "stackoverflow:79100002", "stackoverflow:79100003"]
    assert result.skipped == 1
    sms = result.mentions[0]
    assert sms.title == 'AcmeTel SMS API returns 500 on "send"'
    assert sms.text == ("Calling /v2/sms gives HTTP 500 & no body.\n\n"
                        "curl -X POST https://api.acmetel.example/v2/sms")
    assert sms.author == "Jörg"
    assert sms.metrics == {"votes": 3, "replies": 1, "views": 120}
    assert sms.url == "https://stackoverflow.com/questions/79100001/slug"
    assert all(batch.cursor is not None for batch in result.batches)
    assert result.batches[0].cursor == {"streams": {"stackoverflow:AcmeTel": {
        "newest": "2026-11-25T09:46:40+00:00", "ids": ["stackoverflow:79100001", "stackoverflow:79100002"]}}}


def test_the_body_backoff_is_honoured_before_the_next_call(api: FakeApi, http: Http, run) -> None:
    api.route(HOST, PATH, fixture_reply("stack_exchange", "search_page1.json"),
              fixture_reply("stack_exchange", "search_page2.json"))
    run(stack(), http)
    assert api.times[1] - api.times[0] == 10


def test_a_throttle_violation_is_retried_after_the_wait_it_names(api: FakeApi, http: Http, run) -> None:
    api.route(HOST, PATH, fixture_reply("stack_exchange", "throttle_violation.json", status=400),
              fixture_reply("stack_exchange", "search_page2.json"))
    result = run(stack(), http)
    assert api.times[1] - api.times[0] == 30
    assert result.ids == ["stackoverflow:79100003"]


def test_the_next_run_starts_at_the_newest_question_and_skips_it(api: FakeApi, http: Http, run) -> None:
    api.route(HOST, PATH, fixture_reply("stack_exchange", "search_page2.json"))
    first = run(stack(), http)
    api.requests.clear()
    second = run(stack(), http, cursor=first.cursor)
    assert api.params()["fromdate"] == "1795650000"
    assert second.ids == []


def test_a_used_up_quota_fails_the_run_but_keeps_the_pages_read(api: FakeApi, http: Http, run) -> None:
    used_up = {"items": [], "has_more": True, "quota_max": 300, "quota_remaining": 0}
    api.route(HOST, PATH, fixture_reply("stack_exchange", "search_page1.json"), reply(used_up))
    batches = []
    with pytest.raises(StreamsFailed, match="quota is used up") as caught:
        for batch in stack().fetch(http, None, SINCE):
            batches.append(batch)
    assert caught.value.retriable
    assert [m.external_id for b in batches for m in b.mentions] == ["stackoverflow:79100001",
                                                                   "stackoverflow:79100002"]
    assert batches[0].cursor is not None


def test_the_same_question_number_on_two_sites_is_two_mentions(api: FakeApi, http: Http, run) -> None:
    api.route(HOST, PATH, fixture_reply("stack_exchange", "search_page2.json"),
              fixture_reply("stack_exchange", "search_page2.json"))
    result = run(stack(sites=["stackoverflow", "superuser"]), http)
    assert sorted(result.ids) == ["stackoverflow:79100003", "superuser:79100003"]
