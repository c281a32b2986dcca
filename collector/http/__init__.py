"""The shared HTTP layer: one client, retries, pacing, size caps and the SSRF guard."""

from collector.http.body import ResponseTooLarge
from collector.http.client import (
    Http,
    HttpSettings,
    HttpStatusError,
    Response,
    RetriesExhausted,
    Throttle,
    Validators,
    build_http,
    describe,
    user_agent,
)
from collector.http.guard import AddressGuard, AddressRefused, system_resolver
from collector.http.pacing import Clock, HostPacer, SystemClock

__all__ = [
    "AddressGuard",
    "AddressRefused",
    "Clock",
    "HostPacer",
    "Http",
    "HttpSettings",
    "HttpStatusError",
    "Response",
    "ResponseTooLarge",
    "RetriesExhausted",
    "SystemClock",
    "Throttle",
    "Validators",
    "build_http",
    "describe",
    "system_resolver",
    "user_agent",
]
