"""Who may use the dashboard, and the headers and tokens that keep a browser session safe.

Passwords are stored as scrypt hashes (hashlib, from the standard library). Actions are POST forms
carrying a CSRF token that must match a cookie (double submit); the cookie is SameSite=Strict.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

SCRYPT = {"n": 2**14, "r": 8, "p": 1}
CSRF_COOKIE = "repwatch_csrf"
CSRF_FIELD = "csrf_token"
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",  # links to originals must not leak the dashboard's address
    "x-frame-options": "DENY",
}


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **SCRYPT)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def check_password_hash(stored: str) -> None:
    """Raise ValueError naming the problem if `stored` is not a hash from `hash_password`."""
    parts = stored.split("$")
    if len(parts) != 3 or parts[0] != "scrypt":
        raise ValueError("web password hash must look like scrypt$SALT$HASH "
                         "(make one with `repwatch serve --hash-password`)")
    try:
        base64.b64decode(parts[1], validate=True)
        base64.b64decode(parts[2], validate=True)
    except binascii.Error as exc:
        raise ValueError(f"web password hash is not valid base64: {exc}") from exc


def verify_password(password: str, stored: str) -> bool:
    _, salt, expected = stored.split("$")
    digest = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), dklen=32, **SCRYPT)
    return hmac.compare_digest(digest, base64.b64decode(expected))


@dataclass(frozen=True)
class Access:
    """How people are let in: nobody asked (loopback), a password, or a trusted proxy's header."""

    user: str = "admin"
    password_hash: str | None = None
    proxy_user_header: str | None = None

    @property
    def open(self) -> bool:
        return self.password_hash is None and self.proxy_user_header is None


class BasicAuth:
    """Checks HTTP basic credentials; a verified header is remembered so scrypt runs once per login."""

    def __init__(self, access: Access) -> None:
        self.access = access
        self._verified: set[str] = set()

    def user_of(self, request: Request) -> str | None:
        access = self.access
        if access.proxy_user_header:
            return request.headers.get(access.proxy_user_header) or None
        if access.password_hash is None:
            return "local"
        header = request.headers.get("authorization", "")
        if header in self._verified:
            return access.user
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        if hmac.compare_digest(user, access.user) and verify_password(password, access.password_hash):
            self._verified.add(header)
            return access.user
        return None


def csrf_token(request: Request) -> str:
    """The token for this browser: its cookie's, or a new one the response will set."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = secrets.token_urlsafe(32)
        request.state.new_csrf = token
    return str(token)


async def checked_form(request: Request) -> FormData:
    """The POSTed form, after checking its CSRF token against the cookie (403 otherwise)."""
    form = await request.form()
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = form.get(CSRF_FIELD, "")
    if not cookie or not isinstance(sent, str) or not hmac.compare_digest(cookie, sent):
        raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")
    return form
