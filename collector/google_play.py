"""Google Play reviews through the store web app's `batchexecute` RPC (no public API exists).

The RPC is undocumented and positions in its arrays drift; every position read here is named
once, and a review whose shape does not fit is skipped and counted rather than failing the run.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from functools import partial
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from collector.base import BaseUrl, Batch, Collector, CollectorParams
from collector.errors import FatalError, MalformedRecord
from collector.http import Http, Response, Throttle
from collector.mention import Mention
from collector.streams import Mark, Page, newest_first, parse_each, run_streams, walk_pages
from collector.text import from_epoch, language_code, rating_1_to_5, whole_number

RPC_ID = "oCPfdb"
SORT_NEWEST = 2
PAGE_SIZE = 100
PREFIX = ")]}'"

PackageId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)+$")]


class GooglePlayParams(CollectorParams):
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[A-Za-z]{2})?$")] = "en"
    country: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$", to_lower=True)] = "us"
    package_ids: list[PackageId] | None = None
    max_pages: int = Field(20, ge=1, le=100)
    base_url: BaseUrl = "https://play.google.com"


def request_form(package_id: str, token: str | None) -> dict[str, str]:
    """The `f.req` form field for one page of newest reviews."""
    page: list[Any] = [PAGE_SIZE, None, token] if token else [PAGE_SIZE]
    inner = [None, [2, SORT_NEWEST, page, None, [None, None]], [package_id, 7]]
    envelope = [[[RPC_ID, json.dumps(inner, separators=(",", ":")), None, "generic"]]]
    return {"f.req": json.dumps(envelope, separators=(",", ":"))}


def play_throttle(response: Response) -> Throttle | None:
    """Play sometimes throttles with HTTP 200 and a PlayGatewayError inside the body."""
    return Throttle(retry=True) if b"PlayGatewayError" in response.content else None


def parse_envelope(body: str) -> tuple[list[Any], str | None]:
    """(raw reviews, next-page token) from a batchexecute answer."""
    text = body.lstrip()
    if text.startswith(PREFIX):
        text = text[len(PREFIX):]
    try:
        outer = json.loads(text)
        rows = [row for row in outer if isinstance(row, list) and row[:2] == ["wrb.fr", RPC_ID]]
        payload = (rows[0] if rows else outer[0])[2]
        data = json.loads(payload) if isinstance(payload, str) else None
    except RecursionError:
        raise FatalError("Google Play's answer is nested too deeply to read") from None
    except (ValueError, IndexError, TypeError, KeyError) as exc:
        raise FatalError(f"Google Play's answer is not the expected batchexecute shape ({exc})") from exc
    if not isinstance(data, list) or not data:
        return [], None
    reviews = data[0] if isinstance(data[0], list) else []
    return reviews, _token(data[1:])


def _token(tail: list[Any]) -> str | None:
    """The next-page token sits near the end of the payload, as the last item of a list."""
    for item in reversed(tail):
        if isinstance(item, list) and item and isinstance(item[-1], str) and item[-1]:
            return item[-1]
    return None


def _at(value: Any, *path: int) -> Any:
    for index in path:
        if not isinstance(value, list) or len(value) <= index:
            return None
        value = value[index]
    return value


def parse_review(review: list[Any], package_id: str, language: str | None) -> Mention:
    review_id = _at(review, 0)
    if not isinstance(review_id, str) or not review_id:
        raise MalformedRecord("review without an id")
    seconds = _at(review, 5, 0)
    if seconds is None:
        raise MalformedRecord(f"review {review_id} has no time")
    text = _at(review, 4)
    metrics: dict[str, Any] = {"likes": whole_number(_at(review, 6)) or 0}
    if _at(review, 7, 1):
        metrics["developer_replied"] = True
    version = _at(review, 10)
    if isinstance(version, str):
        metrics["app_version"] = version
    return Mention(
        external_id=review_id,
        text=text.strip() if isinstance(text, str) else "",
        published_at=from_epoch(seconds),
        url=f"https://play.google.com/store/apps/details?id={package_id}&reviewId={review_id}",
        author=_at(review, 1, 0) if isinstance(_at(review, 1, 0), str) else None,
        rating=rating_1_to_5(_at(review, 2)),
        language=language,
        metrics=metrics,
    )


class GooglePlay(Collector):
    kind = "google_play"
    Params = GooglePlayParams
    params: GooglePlayParams

    def fetch(self, http: Http, cursor: dict[str, Any] | None, since: datetime) -> Iterator[Batch]:
        packages = self.params.package_ids or list(self.brand.google_play_ids)
        if not packages:
            raise FatalError("no Play package ids: set params.package_ids or the brand's google_play_ids")
        streams = {package: partial(self._stream, http, package, since) for package in packages}
        yield from run_streams(cursor, streams)

    def _stream(
        self, http: Http, package: str, since: datetime, state: dict[str, Any] | None
    ) -> Iterator[Page]:
        pages = walk_pages(partial(self._page, http, package), None, self.params.max_pages)
        return newest_first(pages, Mark.load(state, since))

    def _page(self, http: Http, package: str, token: str | None) -> tuple[Page, str | None]:
        """batchexecute pages by a token near the end of each answer."""
        response = http.post(
            f"{self.params.base_url}/_/PlayStoreUi/data/batchexecute",
            params={"hl": self.params.language, "gl": self.params.country},
            form=request_form(package, token),
            throttle=play_throttle,
        )
        reviews, following = parse_envelope(response.text)
        # Play serves reviews written in the requested language, so it says the language.
        language = language_code(self.params.language)
        page = parse_each(reviews, lambda review: parse_review(review, package, language))
        return page, following if reviews else None
