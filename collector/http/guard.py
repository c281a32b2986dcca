"""Refusing requests to private, loopback, link-local and metadata addresses (SSRF).

Feed and instance URLs come from users, so a URL could point at the machine repwatch runs on or
at a cloud metadata service. Every host is resolved, every address it resolves to is checked,
and the connection is then made to the checked address, so a second DNS answer cannot swap in
another one. Redirects go through the same check (the client follows them one at a time).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from collector.errors import FatalError, RetriableError

Resolver = Callable[[str, int], list[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(FatalError):
    """The URL's host is, or resolves to, an address repwatch will not connect to."""


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for host (IPv4 and IPv6)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        if exc.errno == socket.EAI_AGAIN:
            raise RetriableError(f"cannot resolve {host} right now ({exc.strerror})") from exc
        raise FatalError(f"cannot resolve {host} ({exc.strerror})") from exc
    return [str(info[4][0]) for info in infos]


def _literal(host: str) -> IPAddress | None:
    """The host as an IP address if it is one, including forms like 0x7f000001 and 127.1."""
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


# IPv6 forms that carry an IPv4 address in their last 32 bits, which Python's `is_global`
# judges by the IPv6 prefix alone: 64:ff9b::169.254.169.254 reaches the metadata service
# through a NAT64 gateway.
_EMBEDS_IPV4 = (
    ipaddress.IPv6Network("64:ff9b::/96"),  # NAT64 well-known prefix (RFC 6052)
    ipaddress.IPv6Network("::ffff:0:0:0/96"),  # SIIT IPv4-translated (RFC 2765)
    ipaddress.IPv6Network("::/96"),  # IPv4-compatible (deprecated)
)
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")  # local-use translators (RFC 8215)


def is_public(address: IPAddress) -> bool:
    """True only for globally routable unicast addresses."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in _LOCAL_NAT64:
            return False
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address.teredo:
            embedded = address.teredo[1]
        if embedded is None and any(address in network for network in _EMBEDS_IPV4):
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
        if embedded is not None and not is_public(embedded):
            return False
    return address.is_global and not address.is_multicast


@dataclass(frozen=True)
class Target:
    """Where to connect for a URL: the checked address, or None to let the client resolve."""

    url: httpx.URL
    address: str | None


class AddressGuard:
    def __init__(self, allow_private: bool = False, resolver: Resolver = system_resolver) -> None:
        self.allow_private = allow_private
        self.resolver = resolver

    def check(self, url: httpx.URL) -> Target:
        """Refuse non-HTTP URLs, and unless allowed, any host with a non-public address."""
        if url.scheme not in ("http", "https"):
            raise AddressRefused(f"refusing {url.scheme or 'relative'} URL: only http and https")
        host = url.host
        if not host:
            raise AddressRefused("refusing a URL without a host")
        if self.allow_private:
            return Target(url, None)
        literal = _literal(host)
        port = url.port or (443 if url.scheme == "https" else 80)
        addresses = [literal] if literal else [_parse(a) for a in self.resolver(host, port)]
        if not addresses:
            raise FatalError(f"{host} resolves to no address")
        for address in addresses:
            if not is_public(address):
                raise AddressRefused(
                    f"refusing {url.scheme}://{url.netloc.decode('ascii', 'replace')}: "
                    f"{host} is {address}, a private, loopback, link-local or reserved "
                    "address (set network.allow_private_hosts: true to allow it)"
                )
        return Target(url, str(addresses[0]))


def _parse(address: str) -> IPAddress:
    return ipaddress.ip_address(address.split("%", 1)[0])
