"""Where the browser may go: http(s) pages of catalog directories, nothing else."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

# Cloud metadata endpoints: never, in any mode.
_METADATA_HOSTS = {"169.254.169.254", "fd00:ec2::254", "metadata.google.internal", "metadata",
                   "100.100.100.200"}


class BlockedUrl(ValueError):
    pass


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


class UrlGuard:
    def __init__(self, allowed_urls: Iterable[str], *, production: bool = False):
        self.allowed_origins = {origin_of(u) for u in allowed_urls}
        self.production = production

    def check(self, url: str) -> None:
        """Raise BlockedUrl unless url is an http(s) page of an allowed directory."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise BlockedUrl(f"scheme {parts.scheme or '(none)'}: only http(s) is allowed")
        host = (parts.hostname or "").lower()
        if not host:
            raise BlockedUrl("no host")
        if host in _METADATA_HOSTS or host.startswith("169.254."):
            raise BlockedUrl(f"{host} is a cloud metadata address")
        if self.production and _is_internal(host):
            raise BlockedUrl(f"{host} is a local or private address (production mode)")
        if origin_of(url) not in self.allowed_origins:
            raise BlockedUrl(f"{origin_of(url)} is not a catalog directory")

    def allows(self, url: str) -> bool:
        try:
            self.check(url)
            return True
        except BlockedUrl:
            return False


def _is_internal(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return True
    try:
        addresses = {ipaddress.ip_address(host)}
    except ValueError:
        try:
            addresses = {ipaddress.ip_address(info[4][0]) for info in socket.getaddrinfo(host, None)}
        except OSError:
            return False
    return any(a.is_loopback or a.is_private or a.is_link_local or a.is_reserved or a.is_unspecified
               for a in addresses)
