"""Bluesky: sessions (`createSession`, `refreshSession`) and `app.bsky.feed.searchPosts`.

Search needs `Authorization: Bearer <accessJwt>` (403 without, as the public AppView has
answered since 2025; 400 ExpiredToken once the token is old; 401 InvalidToken for one never
issued). `createSession` takes the demo account's identifier and app password and allows 30
calls per five minutes. `q` matches whole words (quoted phrases as written), `since` and
`until` filter on the post's createdAt, `limit` is 1-100 (25 by default) and `cursor` pages.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from repwatch.demo.api.common import (
    BadRequest,
    Catalog,
    Reply,
    Request,
    iso_z,
    json_reply,
    parse_int,
    stable_number,
)
from repwatch.demo.data import PlacedItem

CREATE_SESSION = re.compile(r"^/xrpc/com\.atproto\.server\.createSession$")
REFRESH_SESSION = re.compile(r"^/xrpc/com\.atproto\.server\.refreshSession$")
SEARCH_POSTS = re.compile(r"^/xrpc/app\.bsky\.feed\.searchPosts$")
SESSIONS_PER_WINDOW = 30
WINDOW_SECONDS = 300
DID_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"


def did_for(handle: str) -> str:
    digest = hashlib.sha256(f"did:{handle}".encode()).digest()
    return "did:plc:" + "".join(DID_ALPHABET[b % 32] for b in digest[:24])


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _error(status: int, name: str, message: str, headers: dict[str, str] | None = None) -> Reply:
    return json_reply({"error": name, "message": message}, status, headers)


@dataclass(frozen=True)
class Session:
    did: str
    handle: str
    access_expires: float


class Accounts:
    """The one demo account, its live tokens, and the createSession rate limit."""

    def __init__(self, identifier: str, password: str, access_seconds: float) -> None:
        self.identifier = identifier
        self.password = password
        self.access_seconds = access_seconds
        self.did = did_for(identifier)
        self._lock = threading.Lock()
        self._access: dict[str, Session] = {}
        self._refresh: dict[str, Session] = {}
        self._window_start = 0.0
        self._created = 0

    def _jwt(self, scope: str, expires: float) -> str:
        header = _b64(json.dumps({"typ": "at+jwt", "alg": "ES256K"}).encode())
        claims = {"scope": scope, "sub": self.did, "iat": int(time.time()), "exp": int(expires),
                  "aud": "did:web:demo.repwatch.invalid", "jti": secrets.token_hex(8)}
        return f"{header}.{_b64(json.dumps(claims).encode())}.{_b64(secrets.token_bytes(32))}"

    def issue(self) -> dict[str, Any]:
        now = time.time()
        session = Session(self.did, self.identifier, now + self.access_seconds)
        access = self._jwt("com.atproto.appPass", session.access_expires)
        refresh = self._jwt("com.atproto.refresh", now + 90 * 86400)
        with self._lock:
            self._access[access] = session
            self._refresh[refresh] = session
        return {"did": self.did, "handle": self.identifier, "accessJwt": access,
                "refreshJwt": refresh, "active": True}

    def allow_create(self) -> tuple[bool, dict[str, str]]:
        with self._lock:
            now = time.time()
            if now - self._window_start >= WINDOW_SECONDS:
                self._window_start, self._created = now, 0
            allowed = self._created < SESSIONS_PER_WINDOW
            self._created += allowed
            return allowed, {
                "RateLimit-Limit": str(SESSIONS_PER_WINDOW),
                "RateLimit-Remaining": str(SESSIONS_PER_WINDOW - self._created),
                "RateLimit-Reset": str(int(self._window_start + WINDOW_SECONDS)),
                "RateLimit-Policy": f"{SESSIONS_PER_WINDOW};w={WINDOW_SECONDS}",
            }

    def take_refresh(self, token: str) -> bool:
        with self._lock:
            return self._refresh.pop(token, None) is not None

    def check_access(self, token: str) -> str | None:
        """None when the token is good, else the XRPC error name."""
        with self._lock:
            session = self._access.get(token)
        if session is None:
            return "InvalidToken"
        if time.time() >= session.access_expires:
            return "ExpiredToken"
        return None


def _bearer(request: Request) -> str | None:
    value = request.header("authorization") or ""
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def create_session(request: Request, accounts: Accounts) -> Reply:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return _error(400, "InvalidRequest", "Request body is not JSON")
    if not isinstance(body, dict) or not body.get("identifier") or not body.get("password"):
        return _error(400, "InvalidRequest", 'Input must have the properties "identifier" and "password"')
    allowed, headers = accounts.allow_create()
    if not allowed:
        return _error(429, "RateLimitExceeded", "Rate Limit Exceeded", headers)
    if body["identifier"] != accounts.identifier or body["password"] != accounts.password:
        return _error(401, "AuthenticationRequired", "Invalid identifier or password", headers)
    return json_reply(accounts.issue(), 200, headers)


def refresh_session(request: Request, accounts: Accounts) -> Reply:
    token = _bearer(request)
    if token is None:
        return _error(401, "AuthenticationRequired", "Authentication Required")
    if not accounts.take_refresh(token):
        return _error(400, "ExpiredToken", "Token has been revoked")
    return json_reply(accounts.issue())


def _time_param(request: Request, name: str) -> datetime | None:
    value = request.arg(name)
    if not value:
        return None
    text = value.replace("Z", "+00:00").replace("z", "+00:00")
    if len(text) == 10:
        text += "T00:00:00+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise BadRequest(f"{name} must be a datetime, not {value!r}") from exc
    if moment.tzinfo is None:
        raise BadRequest(f"{name} must include a time zone")
    return moment


def matcher(query: str) -> re.Pattern[str]:
    """All quoted phrases and bare words of `q`, in any order, as whole words."""
    phrases = re.findall(r'"([^"]+)"', query)
    words = re.sub(r'"[^"]*"', " ", query).split()
    terms = [t for t in phrases + words if t.strip()]
    lookaheads = "".join(rf"(?=.*(?<!\w){re.escape(term.strip())}(?!\w))" for term in terms)
    return re.compile(lookaheads, re.IGNORECASE | re.DOTALL)


def post(placed: PlacedItem, catalog: Catalog) -> dict[str, Any]:
    item = placed.item
    did = did_for(item.author)
    indexed = placed.published_at + timedelta(seconds=stable_number(item.id, 4) % 20)
    indexed = min(indexed, catalog.visible_before - timedelta(milliseconds=1))
    return {
        "uri": f"at://{did}/app.bsky.feed.post/{item.id}",
        "cid": item.extra["cid"],
        "author": {
            "did": did,
            "handle": item.author,
            "displayName": item.author.split(".")[0],
            "labels": [],
            "createdAt": "2023-09-12T10:00:00.000Z",
        },
        "record": {
            "$type": "app.bsky.feed.post",
            "createdAt": iso_z(placed.published_at),
            "langs": [item.language],
            "text": item.text,
        },
        "replyCount": item.metrics.get("replies", 0),
        "repostCount": item.metrics.get("reposts", 0),
        "likeCount": item.metrics.get("likes", 0),
        "quoteCount": item.metrics.get("quotes", 0),
        "indexedAt": iso_z(max(indexed, placed.published_at)),
        "labels": [],
    }


def search_posts(request: Request, catalog: Catalog, accounts: Accounts) -> Reply:
    token = _bearer(request)
    if token is None:
        return _error(403, "Forbidden", "Authentication Required")
    problem = accounts.check_access(token)
    if problem == "ExpiredToken":
        return _error(400, "ExpiredToken", "Token has expired")
    if problem is not None:
        return _error(401, "InvalidToken", "Token could not be verified")
    query = request.arg("q")
    if not query:
        return _error(400, "InvalidRequest", 'Error: Params must have the property "q"')
    try:
        limit = parse_int(request.arg("limit"), "limit", 25, 1, 100)
        offset = parse_int(request.arg("cursor"), "cursor", 0, 0, 10**6)
        since, until = _time_param(request, "since"), _time_param(request, "until")
    except BadRequest as exc:
        return _error(400, "InvalidRequest", f"Error: {exc}")
    sort = request.arg("sort", "latest")
    if sort not in ("latest", "top"):
        return _error(400, "InvalidRequest", 'Error: sort must be one of "top", "latest"')
    language = request.arg("lang")
    pattern = matcher(query)
    found = [
        placed
        for placed in catalog.visible("bluesky")
        if pattern.match(placed.item.text)
        and (since is None or placed.published_at >= since)
        and (until is None or placed.published_at < until)
        and (language is None or placed.item.language == language)
    ]
    chosen = found[offset : offset + limit]
    reply: dict[str, Any] = {"posts": [post(p, catalog) for p in chosen], "hitsTotal": len(found)}
    if offset + limit < len(found):
        reply["cursor"] = str(offset + limit)
    return json_reply(reply)
