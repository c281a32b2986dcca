from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import FakeApi, fixture_reply, reply
from pydantic import ValidationError

from collector.base import BrandTerms
from collector.errors import FatalError
from collector.http import Http
from collector.reddit import Reddit, RedditParams

BRAND = BrandTerms(name="Acme Telecom", keywords=("AcmeTel",))
SECRET = "s3cr3t-reddit-value"
NO_ENV_CHECK = {"check_env": False}


def with_credentials(**params: Any) -> Reddit:
    values = {"client_id": "app-id-123", "client_secret_env": "REDDIT_SECRET", **params}
    return Reddit(RedditParams.model_validate(values, context=NO_ENV_CHECK), BRAND,
                  {"client_secret": SECRET})


def test_search_through_oauth_client_credentials(api: FakeApi, http: Http, run) -> None:
    api.route("www.reddit.com", "/api/v1/access_token", fixture_reply("reddit", "token.json"))
    api.route("oauth.reddit.com", "/search", fixture_reply("reddit", "search_page1.json"),
              fixture_reply("reddit", "search_page2.json"))
    result = run(with_credentials(), http, since=datetime(2026, 11, 1, tzinfo=UTC))
    token_request = api.requests[0]
    assert token_request.method == "POST"
    assert token_request.content == b"grant_type=client_credentials"
    assert token_request.headers["authorization"] == "Basic " + base64.b64encode(
        f"app-id-123:{SECRET}".encode()).decode()
    assert api.requests[1].headers["authorization"] == "Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6.reddit-app-token"
    assert api.params(1) == {"q": "AcmeTel", "sort": "new", "limit": "100", "raw_json": "1"}
    assert api.params(2)["after"] == "t3_1gx0002"
    assert result.ids == ["t3_1gx0001", "t3_1gx0002", "t3_1gw9999"]
    overcharged, leeds, _ = result.mentions
    assert overcharged.text == "They billed me twice for November & won't refund."
    assert overcharged.title == "AcmeTel overcharged me"
    assert overcharged.url == "https://www.reddit.com/r/acmetelecom/comments/1gx0001/acmetel_overcharged_me/"
    assert overcharged.metrics == {"votes": 42, "replies": 17, "subreddit": "acmetelecom"}
    assert leeds.author is None and leeds.text == "Is AcmeTel 5G any good in Leeds?"
    assert result.skipped == 1


def test_subreddit_listings_and_the_stop_at_the_newest_post(api: FakeApi, http: Http, run) -> None:
    api.route("www.reddit.com", "/api/v1/access_token", fixture_reply("reddit", "token.json"))
    api.route("oauth.reddit.com", "/r/acmetelecom/new", fixture_reply("reddit", "search_page2.json"))
    collector = with_credentials(subreddits=["acmetelecom"], query="AcmeTel")
    api.route("oauth.reddit.com", "/search", reply({"kind": "Listing", "data": {"after": None, "children": []}}))
    first = run(collector, http)
    assert first.ids == ["t3_1gw9999"]
    api.route("oauth.reddit.com", "/r/acmetelecom/new", fixture_reply("reddit", "search_page1.json"),
              fixture_reply("reddit", "search_page2.json"))
    api.requests.clear()
    second = run(collector, http, cursor=first.cursor)
    assert second.ids == ["t3_1gx0001", "t3_1gx0002"]
    listing_calls = [r for r in api.requests if r.url.path == "/r/acmetelecom/new"]
    assert len(listing_calls) == 2  # page 2 reached the post stored last time, and it stopped


def test_without_credentials_subreddit_atom_feeds_are_read(api: FakeApi, http: Http, run) -> None:
    api.route("www.reddit.com", "/r/acmetelecom/new/.rss",
              fixture_reply("reddit", "subreddit_new.atom", content_type="application/atom+xml"))
    result = run(Reddit(RedditParams(subreddits=["acmetelecom"]), BRAND), http)
    assert result.ids == ["t3_1gx0010", "t3_1gx0009"]
    first = result.mentions[0]
    assert first.author == "angry_customer"
    assert first.title == "No signal since Tuesday"
    assert first.text.startswith("No signal since Tuesday, support says wait 10 days.")
    assert all(r.url.host != "oauth.reddit.com" for r in api.requests)


def test_refused_credentials_name_the_client_but_not_the_secret(api: FakeApi, http: Http, run) -> None:
    api.route("www.reddit.com", "/api/v1/access_token", reply({"error": 401, "message": "Unauthorized"}, 401))
    with pytest.raises(FatalError) as caught:
        run(with_credentials(), http)
    assert "app-id-123" in str(caught.value)
    assert SECRET not in str(caught.value)


def test_credentials_come_in_pairs() -> None:
    with pytest.raises(ValidationError, match="both client_id and client_secret_env"):
        RedditParams(client_id="abc", subreddits=["x1"])
