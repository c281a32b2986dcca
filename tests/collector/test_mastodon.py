from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import FIXTURES, FakeApi, FakeClock, fixture_reply, make_http, reply
from pydantic import ValidationError

from collector.base import BrandTerms
from collector.http import Http
from collector.mastodon import Mastodon, MastodonParams

BRAND = BrandTerms(name="Acme Telecom", hashtags=("AcmeTelecom",))
HOST = "mastodon.social"
PATH = "/api/v1/timelines/tag/acmetelecom"
SINCE = datetime(2026, 11, 1, tzinfo=UTC)


def mastodon(**params: Any) -> Mastodon:
    return Mastodon(MastodonParams(**{"instances": ["mastodon.social"], **params}), BRAND)


def statuses(name: str) -> list[dict[str, Any]]:
    return json.loads((FIXTURES / "mastodon" / name).read_text())


def test_statuses_are_parsed_reblogs_and_noindex_left_out(api: FakeApi, http: Http, run) -> None:
    api.route(HOST, PATH, fixture_reply("mastodon", "tag_page1.json"))
    result = run(mastodon(), http, since=SINCE)
    assert result.ids == [
        "https://mastodon.example/users/alice/statuses/113500000000000105",
        "https://mastodon.example/users/carl/statuses/113500000000000102",
    ]
    alice, carl = result.mentions
    assert alice.text == ("Third outage this week #acmetelecom & no SMS from support.\n\n"
                          "https://status.acme.example/incident/7")
    assert alice.author == "alice@mastodon.social"
    assert alice.metrics == {"likes": 4, "reblogs": 2, "replies": 1}
    assert alice.published_at == datetime(2026, 11, 20, 12, 5, tzinfo=UTC)
    assert carl.language == "de" and carl.title == "Netz" and carl.author == "carl@social.example"
    assert result.notes == ["https://mastodon.social#acmetelecom: left out 2 reblogs or posts by noindex authors"]


def full_page() -> list[dict[str, Any]]:
    """40 statuses from the recorded ones, ids and times descending from the first."""
    template = statuses("tag_page1.json")[0]
    page = []
    for offset in range(40):
        status_id = str(113500000000000200 - offset)
        page.append(dict(template, id=status_id, uri=f"https://mastodon.example/s/{status_id}",
                         created_at=f"2026-11-20T12:{59 - offset:02d}:00.000Z"))
    return page


def test_the_first_run_pages_back_to_the_window_then_saves_the_newest_id(
    api: FakeApi, http: Http, run
) -> None:
    api.route(HOST, PATH, reply(full_page()), fixture_reply("mastodon", "tag_page2.json"))
    result = run(mastodon(), http, since=SINCE)
    assert api.params(0) == {"limit": "40"}
    assert api.params(1) == {"limit": "40", "max_id": "113500000000000161"}
    assert len(result.ids) == 41
    assert result.ids[-1] == "https://mastodon.example/users/dana/statuses/113400000000000050"
    assert [b.cursor for b in result.batches][:-1] == [None, None]
    assert result.cursor == {"streams": {"https://mastodon.social#acmetelecom": {
        "min_id": "113500000000000200"}}}


def test_later_runs_read_forward_from_min_id_saving_each_page(api: FakeApi, http: Http, run) -> None:
    cursor = {"streams": {"https://mastodon.social#acmetelecom": {"min_id": "113500000000000105"}}}
    full_page = [dict(s, id=str(113500000000000300 + i)) for i, s in enumerate(statuses("tag_newer.json") * 20)]
    api.route(HOST, PATH, reply(full_page), fixture_reply("mastodon", "tag_newer.json"))
    result = run(mastodon(), http, cursor=cursor)
    assert api.params(0) == {"limit": "40", "min_id": "113500000000000105"}
    assert api.params(1) == {"limit": "40", "min_id": "113500000000000339"}
    assert [b.cursor["streams"]["https://mastodon.social#acmetelecom"]["min_id"] for b in result.batches] == [
        "113500000000000339", "113500000000000210"]


def test_instances_may_be_base_urls_and_need_a_token_when_configured(
    api: FakeApi, clock: FakeClock, run
) -> None:
    api.route("127.0.0.1:8123", PATH, reply([]))
    params = MastodonParams.model_validate(
        {"instances": ["http://127.0.0.1:8123/"], "access_token_env": "TOKEN"}, context={"env": {"TOKEN": "x"}})
    collector = Mastodon(params, BRAND, {"access_token": "tok-123"})
    with make_http(api, clock, allow_private_hosts=True) as http:
        run(collector, http)
    assert api.requests[0].headers["authorization"] == "Bearer tok-123"


@pytest.mark.parametrize("instance", ["ftp://mastodon.social", "https://mastodon.social/path", ""])
def test_a_bad_instance_is_a_config_error(instance: str) -> None:
    with pytest.raises(ValidationError):
        MastodonParams(instances=[instance])
