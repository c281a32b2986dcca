"""Google Play reviews through the web app's `batchexecute` RPC (`oCPfdb`), as play.google.com
answers it.

`POST /_/PlayStoreUi/data/batchexecute?hl=..&gl=..` with the form field `f.req`:
`[[["oCPfdb", "<inner JSON>", null, "generic"]]]`, the inner request being
`[null, [2, sort, [count] or [count, null, token], null, [null, score or null]], [appId, 7]]`.
The answer starts with `)]}'`; row `["wrb.fr", "oCPfdb", "<payload JSON>", ...]` carries
`[[review, ...], [null, next_token or null]]`. Reviews are positional: id [0], [user name] [1],
score [2], text [4], [epoch seconds, nanos] [5], thumbs-up [6], developer reply
[null, text, [seconds, nanos]] [7], app version [10]. Reviews come newest first and only in
the language `hl` asks for, as on the real store.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any
from urllib.parse import parse_qs

from repwatch.demo.api.common import BadRequest, Catalog, Reply, Request, text_reply
from repwatch.demo.data import BRAND, COMPETITOR, PlacedItem

RPC_ID = "oCPfdb"
PREFIX = ")]}'\n\n"
MAX_COUNT = 199
PATH = re.compile(r"^/_/PlayStoreUi/data/batchexecute$")


def review(placed: PlacedItem, catalog: Catalog) -> list[Any]:
    item = placed.item
    seconds = int(placed.published_at.timestamp())
    reply = None
    written = item.extra.get("reply")
    if written:
        replied = seconds + int(written["after_s"])
        if replied < catalog.visible_before.timestamp():
            reply = [None, written["text"], [replied, 0]]
    return [
        item.id, [item.author, None], item.rating, None, item.text, [seconds, 0],
        item.metrics.get("thumbs_up", 0), reply, None, None, item.extra.get("version"), None,
    ]


def encode_token(offset: int, score: int | None, package: str) -> str:
    raw = json.dumps([offset, score, package], separators=(",", ":")).encode()
    return "Cp" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> tuple[int, int | None, str]:
    try:
        raw = base64.urlsafe_b64decode(token[2:] + "=" * (-len(token[2:]) % 4))
        offset, score, package = json.loads(raw)
        return int(offset), score, str(package)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise BadRequest(f"bad page token {token[:40]!r}") from exc


def parse_request(body: bytes) -> tuple[str, int, str | None, int | None]:
    """(package, count, token, score filter) from the form body, or BadRequest."""
    form = parse_qs(body.decode("utf-8", "replace"))
    if "f.req" not in form:
        raise BadRequest("the form has no f.req field")
    try:
        calls = json.loads(form["f.req"][0])
        inner_text = next(call[1] for call in calls[0] if call[0] == RPC_ID)
        inner = json.loads(inner_text)
        spec = inner[1]
        page = spec[2]
        package = inner[2][0]
        filters = spec[4] if len(spec) > 4 and isinstance(spec[4], list) else []
    except (ValueError, IndexError, TypeError, KeyError, StopIteration) as exc:
        raise BadRequest(f"f.req is not an {RPC_ID} reviews request ({exc})") from exc
    count = page[0] if page and isinstance(page[0], int) else 0
    token = page[2] if len(page) > 2 and isinstance(page[2], str) else None
    score = filters[1] if len(filters) > 1 and isinstance(filters[1], int) else None
    if not isinstance(package, str) or count < 1:
        raise BadRequest("the request names no package or asks for no reviews")
    return package, min(count, MAX_COUNT), token, score


def envelope(payload: Any) -> str:
    rows = [
        ["wrb.fr", RPC_ID, None if payload is None else json.dumps(payload, ensure_ascii=False),
         None, None, None, "generic"],
        ["di", 38],
        ["af.httprm", 37, "-3518826307461094210", 6],
    ]
    return PREFIX + json.dumps(rows, ensure_ascii=False)


def batchexecute(request: Request, catalog: Catalog, match: re.Match[str]) -> Reply:
    try:
        package, count, token, score = parse_request(request.body)
        offset = 0
        if token is not None:
            offset, score, token_package = decode_token(token)
            if token_package != package:
                raise BadRequest("the page token belongs to another app")
    except BadRequest as exc:
        return text_reply(PREFIX + json.dumps([["er", None, None, None, None, 400, str(exc)]]), 400)
    if package not in (*BRAND["google_play_ids"], *COMPETITOR["google_play_ids"]):
        return _reply(envelope(None))
    language = (request.arg("hl") or "en").split("-")[0].lower()
    reviews = [
        placed
        for placed in catalog.visible("google_play")
        if package in placed.item.app_ids("google_play_ids") and placed.item.language == language
        and (score is None or placed.item.rating == score)
    ]
    chosen = reviews[offset : offset + count]
    following = offset + count
    next_token = encode_token(following, score, package) if following < len(reviews) else None
    return _reply(envelope([[review(p, catalog) for p in chosen], [None, next_token]]))


def _reply(text: str) -> Reply:
    return Reply(200, text.encode("utf-8"), "application/json; charset=utf-8")
