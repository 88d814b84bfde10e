"""Where the browser may go: the real web's pages and what they load, never the machine's insides.

A directory's page may load scripts, styles, frames and XHR from any public origin (CDNs, captcha
widgets, embedded form services) and may redirect to another host. What stays blocked:

* in every mode: schemes other than http(s), and cloud metadata addresses (by name, and by the
  address a name resolves to);
* in production also loopback, private, link-local, reserved and unspecified addresses, judged on
  the address the host *resolves* to, for every request and every redirect (the browser reaches the
  web only through `NetworkProxy`, which resolves, checks and connects to the checked address itself,
  so a name that resolves to a public address for the check and to a private one afterwards (DNS
  rebinding) gains nothing).

`UrlGuard.check` is the static part (before any browser: a URL typed on the command line);
`UrlGuard.check_resolved` the part that needs DNS.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

# Cloud metadata endpoints: never, in any mode.
_METADATA_HOSTS = {"169.254.169.254", "fd00:ec2::254", "metadata.google.internal", "metadata",
                   "100.100.100.200"}
_METADATA_NETS = (ipaddress.ip_network("169.254.169.254/32"), ipaddress.ip_network("fd00:ec2::254/128"),
                  ipaddress.ip_network("100.100.100.200/32"))
_LOCAL_NAMES = ("localhost", "localhost.localdomain")
DNS_CACHE_TTL_S = 30.0

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedUrl(ValueError):
    pass


class Unresolved(BlockedUrl):
    """The name does not resolve: nothing was reached, and nothing the policy refused."""


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def is_metadata(address: IpAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in net for net in _METADATA_NETS) or (
        isinstance(address, ipaddress.IPv4Address) and address in ipaddress.ip_network("169.254.0.0/16"))


def is_internal(address: IpAddress) -> bool:
    """Loopback, private, link-local, reserved, unspecified (an IPv4-mapped IPv6 as its IPv4)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (address.is_loopback or address.is_private or address.is_link_local or address.is_reserved
            or address.is_unspecified or address.is_multicast)


@dataclass(frozen=True)
class Resolved:
    host: str
    addresses: tuple[IpAddress, ...]


class Resolver:
    """DNS with a short per-host cache. `hosts` points names at addresses first (tests, split DNS):
    {"www.shop.test": ["127.0.0.1"]}; `dial` sends a checked address elsewhere (tests only: a
    'public' address of a test name served on loopback), never consulted by the check."""

    def __init__(self, hosts: Mapping[str, Iterable[str]] | None = None, *, ttl_s: float = DNS_CACHE_TTL_S,
                 dial: Mapping[str, str] | None = None):
        self.hosts = {h.lower(): tuple(ipaddress.ip_address(a) for a in addrs) for h, addrs in (hosts or {}).items()}
        self.ttl_s = ttl_s
        self.dial = {ipaddress.ip_address(k): v for k, v in (dial or {}).items()}
        self._cache: dict[str, tuple[float, tuple[IpAddress, ...]]] = {}

    def _known(self, host: str) -> tuple[IpAddress, ...] | None:
        """A literal address or a pointed name: no DNS needed."""
        try:
            return (ipaddress.ip_address(host),)
        except ValueError:
            return self.hosts.get(host)

    async def resolve(self, host: str) -> tuple[IpAddress, ...]:
        host = host.lower().strip("[]")
        known = self._known(host)
        if known is not None:
            return known
        cached = self._cache.get(host)
        now = time.monotonic()
        if cached is not None and now - cached[0] < self.ttl_s:
            return cached[1]
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        found = tuple(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos))
        self._cache[host] = (now, found)
        return found

    def resolve_blocking(self, host: str) -> tuple[IpAddress, ...]:
        host = host.lower().strip("[]")
        known = self._known(host)
        if known is not None:
            return known
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        return tuple(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos))

    def dial_address(self, address: IpAddress) -> str:
        return self.dial.get(address, str(address))


class UrlGuard:
    """The network policy of one browser pool.

    `start_urls` (the catalog's directories) are kept for the record only: the real web's pages load
    from anywhere public and redirect anywhere public, so origins are not what the guard judges."""

    def __init__(self, start_urls: Iterable[str] = (), *, production: bool = False,
                 resolver: Resolver | None = None):
        self.start_origins = {origin_of(u) for u in start_urls}
        self.production = production
        self.resolver = resolver or Resolver()

    def check(self, url: str) -> None:
        """Raise BlockedUrl for what is refused before any DNS: the scheme, metadata names, and in
        production a literal internal address or a local name."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https", "ws", "wss"):
            raise BlockedUrl(f"scheme {parts.scheme or '(none)'}: only http(s) is allowed")
        host = (parts.hostname or "").lower()
        if not host:
            raise BlockedUrl("no host")
        self.check_host(host)

    def check_host(self, host: str) -> None:
        host = host.lower().strip("[]")
        if host in _METADATA_HOSTS:
            raise BlockedUrl(f"{host} is a cloud metadata address")
        try:
            literal: IpAddress | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            self.check_addresses(host, (literal,))
        elif self.production and (host in _LOCAL_NAMES or host.endswith(".localhost")):
            raise BlockedUrl(f"{host} is a local address (production mode)")

    def check_addresses(self, host: str, addresses: Iterable[IpAddress]) -> None:
        addresses = tuple(addresses)
        if not addresses:
            raise BlockedUrl(f"{host} does not resolve")
        for address in addresses:
            if is_metadata(address):
                raise BlockedUrl(f"{host} resolves to {address}, a cloud metadata or link-local address")
            if self.production and is_internal(address):
                raise BlockedUrl(f"{host} resolves to {address}, a local or private address (production mode)")

    async def check_resolved(self, host: str) -> tuple[IpAddress, ...]:
        """The host's addresses once every one of them passed; BlockedUrl otherwise."""
        self.check_host(host)
        try:
            addresses = await self.resolver.resolve(host)
        except OSError as exc:
            raise Unresolved(f"{host} does not resolve ({exc.strerror or exc})") from exc
        self.check_addresses(host, addresses)
        return addresses

    def check_url_resolving(self, url: str) -> None:
        """check() and, in production, the resolved addresses too (blocking DNS: a command's first URL)."""
        self.check(url)
        host = (urlsplit(url).hostname or "").lower()
        try:
            addresses = self.resolver.resolve_blocking(host)
        except OSError:
            return  # the browser will say it does not resolve; nothing internal was reached
        self.check_addresses(host, addresses)

    def allows(self, url: str) -> bool:
        try:
            self.check(url)
            return True
        except BlockedUrl:
            return False
