from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from conftest import FakeApi, FakeClock, fixture_reply

from collector.base import BrandTerms
from collector.bluesky import Bluesky, BlueskyParams
from collector.errors import StreamsFailed
from collector.http import Http

BRAND = BrandTerms(name="Acme Telecom", keywords=("AcmeTel",))
PDS, APPVIEW = "bsky.social", "api.bsky.app"
CREATE = "/xrpc/com.atproto.server.createSession"
REFRESH = "/xrpc/com.atproto.server.refreshSession"
SEARCH = "/xrpc/app.bsky.feed.searchPosts"
PASSWORD = "abcd-efgh-ijkl-mnop"


def bluesky() -> Bluesky:
    params = BlueskyParams.model_validate(
        {"identifier": "acme-watch.bsky.social", "app_password_env": "BSKY"}, context={"check_env": False}
    )
    return Bluesky(params, BRAND, {"app_password": PASSWORD})


def paths(api: FakeApi) -> list[str]:
    return [request.url.path for request in api.requests]


def test_a_session_is_created_once_and_search_pages_are_followed(api: FakeApi, http: Http, run) -> None:
    api.route(PDS, CREATE, fixture_reply("bluesky", "session.json"))
    api.route(APPVIEW, SEARCH, fixture_reply("bluesky", "search_page1.json"),
              fixture_reply("bluesky", "search_page2.json"))
    result = run(bluesky(), http)
    assert paths(api) == [CREATE, SEARCH, SEARCH]
    assert json.loads(api.requests[0].content) == {"identifier": "acme-watch.bsky.social", "password": PASSWORD}
    assert api.requests[1].headers["authorization"] == "Bearer eyJhbGciOiJFUzI1NksifQ.access-1.sig"
    assert api.params(1) == {"q": "AcmeTel", "sort": "latest", "since": "2026-11-01T00:00:00.000000Z",
                             "limit": "100"}
    assert api.params(2)["cursor"] == "eyJvZmZzZXQiOjN9"
    maria, jo, ken = result.mentions
    assert maria.external_id == "at://did:plc:mariaxxxxxxxxxxxxxxxxxxx/app.bsky.feed.post/3lbx2ak4fzs2a"
    assert maria.url == "https://bsky.app/profile/maria.bsky.social/post/3lbx2ak4fzs2a"
    assert maria.text == "AcmeTel support hung up on me twice today. 2 hours wasted."
    assert maria.metrics == {"likes": 7, "replies": 2, "reposts": 1}
    assert maria.language == "en"
    assert jo.published_at == datetime(2026, 11, 20, 9, 30, 0, 123000, tzinfo=UTC)
    assert ken.language is None
    assert result.skipped == 1


def test_an_expired_token_is_refreshed_not_recreated(api: FakeApi, http: Http, run) -> None:
    collector = bluesky()
    api.route(PDS, CREATE, fixture_reply("bluesky", "session.json"))
    api.route(PDS, REFRESH, fixture_reply("bluesky", "refreshed_session.json"))
    api.route(APPVIEW, SEARCH, fixture_reply("bluesky", "search_page2.json"))
    first = run(collector, http)
    api.route(APPVIEW, SEARCH, fixture_reply("bluesky", "expired_token.json", status=400),
              fixture_reply("bluesky", "search_page2.json"))
    run(collector, http, cursor=first.cursor)  # the same collector, a later run
    assert paths(api) == [CREATE, SEARCH, SEARCH, REFRESH, SEARCH]
    assert api.requests[3].headers["authorization"] == "Bearer eyJhbGciOiJFUzI1NksifQ.refresh-1.sig"
    assert api.requests[4].headers["authorization"] == "Bearer eyJhbGciOiJFUzI1NksifQ.access-2.sig"


def test_a_refused_password_is_a_clear_error_without_the_password(api: FakeApi, http: Http, run) -> None:
    api.route(PDS, CREATE, fixture_reply("bluesky", "bad_password.json", status=401))
    with pytest.raises(StreamsFailed) as caught:
        run(bluesky(), http)
    message = str(caught.value)
    assert "Bluesky refused the app password for acme-watch.bsky.social (HTTP 401" in message
    assert PASSWORD not in message
    assert not caught.value.retriable


def test_rate_limit_reset_is_waited_for(api: FakeApi, http: Http, clock: FakeClock, run) -> None:
    reset = str(int(clock.now) + 45)
    api.route(PDS, CREATE, fixture_reply("bluesky", "session.json"))
    api.route(APPVIEW, SEARCH, fixture_reply("bluesky", "rate_limited.json", status=429, headers={
        "RateLimit-Limit": "3000", "RateLimit-Remaining": "0", "RateLimit-Reset": reset}),
        fixture_reply("bluesky", "search_page2.json"))
    run(bluesky(), http)
    assert api.times[2] == pytest.approx(int(reset), abs=0.01)


def test_the_next_run_searches_since_the_newest_post_and_skips_it(api: FakeApi, http: Http, run) -> None:
    api.route(PDS, CREATE, fixture_reply("bluesky", "session.json"))
    api.route(APPVIEW, SEARCH, fixture_reply("bluesky", "search_page1.json"),
              fixture_reply("bluesky", "search_page2.json"))
    first = run(bluesky(), http)
    assert first.cursor["streams"]["AcmeTel"]["newest"] == "2026-11-20T10:00:00+00:00"
    api.route(APPVIEW, SEARCH, fixture_reply("bluesky", "search_page1.json"),
              fixture_reply("bluesky", "search_page2.json"))
    api.requests.clear()
    second = run(bluesky(), http, cursor=first.cursor)
    assert api.params(1)["since"] == "2026-11-20T10:00:00.000000Z"
    assert second.ids == []  # the server may repeat the newest post; it is not collected twice
    assert len(api.requests) == 2  # page 1 reached older posts, so page 2 was never asked for
