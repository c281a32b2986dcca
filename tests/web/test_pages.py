"""The dashboard's pages over a real SQLite file, through Starlette's test client."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

from starlette.testclient import TestClient

from tests.web.conftest import TODAY, csrf


def test_overview_shows_the_ranges_numbers_against_the_range_before(client: TestClient) -> None:
    page = client.get("/overview")
    assert page.status_code == 200
    html = page.text
    # five mentions this week (one the week before), two of five negative, ratings 1, 2, 5, 3
    assert '<span class="value">5</span>' in html
    assert "vs 1" in html and "+400%" in html
    assert "40%" in html
    assert "2.75" in html
    assert "mentions per day by sentiment" in html and "<rect" in html


def test_overview_lists_every_theme_with_count_change_and_quotes(client: TestClient) -> None:
    html = client.get("/overview").text
    for label in ("slow response", "broken promise", "hard to reach"):
        assert label in html
    assert "Waited three hours on hold" in html  # top quote of slow_response
    assert "The shop itself is fine" not in html  # quoted by its evidence, not its whole text
    assert "+100%" in html  # slow_response: 2 this week, 1 the week before


def test_theme_page_shows_trend_sources_and_mentions_with_links(client: TestClient) -> None:
    page = client.get("/themes/slow_response", params={"brand": "Acme"})
    assert page.status_code == 200
    assert "2 mentions per day" in page.text
    assert "store" in page.text and "forum" in page.text
    assert 'href="https://example.com/a1"' in page.text
    assert "Lovely new app" not in page.text  # a mention without the theme


def test_mentions_browser_filters(client: TestClient) -> None:
    def texts(**params: str) -> str:
        page = client.get("/mentions", params=params)
        assert page.status_code == 200, page.text
        return page.text

    assert "Niemand" in texts(language="de") and "refund" not in texts(language="de")
    negative = texts(sentiment="negative")
    assert "refund" in negative and "Lovely" not in negative
    assert "Lovely" in texts(rating="5") and "refund" not in texts(rating="5")
    assert "callback" in texts(q="CALLBACK never") and "refund" not in texts(q="callback")
    assert "callback" in texts(theme="broken_promise") and "refund" not in texts(theme="broken_promise")
    assert "last week too" in texts(start="2000-01-01")
    recent = (TODAY - timedelta(days=5)).date().isoformat()
    assert "last week too" not in texts(start=recent) and "refund" in texts(start=recent)


def test_mentions_browser_sorts_and_pages(client: TestClient) -> None:
    low_first = client.get("/mentions", params={"sort": "rating_low"}).text
    assert low_first.index("refund") < low_first.index("callback") < low_first.index("Lovely")
    assert "6 mentions" in client.get("/mentions").text  # the last 30 days by default


def test_export_uses_the_same_filters(client: TestClient) -> None:
    rows = list(csv.DictReader(io.StringIO(
        client.get("/mentions/export.csv", params={"sentiment": "negative"}).text)))
    assert sorted(row["external_id"] for row in rows) == ["a1", "a2", "a5"]
    lines = client.get("/mentions/export.jsonl", params={"theme": "broken_promise"}).text.splitlines()
    assert [json.loads(line)["external_id"] for line in lines] == ["a2"]
    assert client.get("/mentions/export.xml").status_code == 404


def test_stored_text_is_escaped(client: TestClient) -> None:
    html = client.get("/mentions").text
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html


def test_every_page_sends_a_csp_without_inline_code(client: TestClient) -> None:
    for path in ("/overview", "/mentions", "/alerts", "/sources", "/themes/slow_response"):
        response = client.get(path)
        assert response.status_code == 200, path
        policy = response.headers["content-security-policy"]
        assert "unsafe-inline" not in policy and "script-src 'self'" in policy
        assert "<script" not in response.text.replace("&lt;script", "")
        assert "style=" not in response.text


def test_bad_parameters_get_one_clear_line(client: TestClient) -> None:
    response = client.get("/overview", params={"start": "yesterday"})
    assert response.status_code == 400
    assert response.text.startswith("bad request: start/end must be dates")
    assert client.get("/mentions", params={"sort": "random"}).status_code == 400
    assert client.get("/overview", params={"brand": "Nope"}).status_code == 404


def test_sources_page_shows_health_and_digest_archive(client: TestClient) -> None:
    html = client.get("/sources").text
    assert "store" in html and "apple_app_store" in html
    assert "No digest built yet." in html


def test_alerts_page_snoozes_and_unsnoozes(client: TestClient) -> None:
    page = client.get("/alerts").text
    assert "firing" in page and "Hold music for an hour" in page
    token = csrf(client)
    form = {"csrf_token": token, "brand": "Acme", "metric": "theme:slow_response", "for": "24h"}
    assert client.post("/alerts/snooze", data=form).status_code == 200  # redirected back
    page = client.get("/alerts").text
    assert "Snoozed" in page and "Unsnooze" in page
    client.post("/alerts/unsnooze", data=form)
    assert "Snoozed" not in client.get("/alerts").text


def test_actions_without_the_csrf_token_are_refused(client: TestClient, seeded) -> None:
    _, ids = seeded
    csrf(client)
    form = {"brand": "Acme", "metric": "theme:slow_response", "for": "24h"}
    assert client.post("/alerts/snooze", data=form).status_code == 403
    assert client.post("/alerts/snooze", data={**form, "csrf_token": "forged"}).status_code == 403
    refused = client.post(f"/mentions/{ids['a1']}/correct", data={"sentiment": "positive"})
    assert refused.status_code == 403
    assert "Snoozed" not in client.get("/alerts").text


def test_digest_archive_links_to_each_digest(client: TestClient, seeded) -> None:
    from datetime import datetime

    from storage.reports import save_digest

    database, _ = seeded
    with database.session() as session:
        digest = save_digest(session, {
            "brand": "Acme", "period_label": "2026-W48", "period_start": datetime(2026, 11, 23),
            "period_end": datetime(2026, 11, 30), "created_at": datetime(2026, 11, 30, 8),
            "data": {}, "html": "<p>x</p>", "text": "Acme, week 48: <b>412 mentions</b>",
            "markdown": "", "charts": {}, "archive_path": None, "sent_at": None})
        digest_id = digest.id
    listing = client.get("/sources").text
    assert f'href="http://127.0.0.1/digests/{digest_id}"' in listing and "2026-W48" in listing
    page = client.get(f"/digests/{digest_id}").text
    assert "Acme, week 48: &lt;b&gt;412 mentions&lt;/b&gt;" in page
    assert client.get("/digests/999999").status_code == 404


def test_overview_quotes_skip_a_sentence_another_mention_already_said() -> None:
    from datetime import datetime

    from reports.safety import distinct
    from storage.dashboard import Quote

    def quote(mention_id: int, text: str, evidence: str | None) -> Quote:
        return Quote("unresolved_issue", mention_id, text, None, None, "store",
                     datetime(2026, 12, 1), "negative", evidence)

    same = "Every chat ends with 'is there anything else' and my problem still isn't solved."
    found = [quote(1, f"Hello. {same}", same), quote(2, f"{same} Bye.", same),
             quote(3, "Nobody fixed the billing error in three weeks.", None),
             quote(4, "Fourth one.", None)]
    assert [q.mention_id for q in distinct(found, 2, lambda q: q.evidence or q.text)] == [1, 3]
