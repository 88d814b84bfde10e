"""The browser's only way out: a local forward proxy per browser context that enforces `UrlGuard`.

Chromium sends every request of the context here (loopback included: `<-loopback>` in the bypass
list), as `CONNECT host:port` (https, wss) or as an absolute-form request (http). For each, the
proxy resolves the host, checks every address with the guard, and connects to the address it
checked (never resolving again), so redirects, subresources, frames, XHR and DNS rebinding all
meet the same rule. A refused request gets a 403 and is listed in `blocked` (what the attempt's
evidence shows). Plain-http requests are forwarded one per connection (`Connection: close`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from dirbolt_core.runner.guard import BlockedUrl, Unresolved, UrlGuard

log = logging.getLogger(__name__)

_MAX_HEAD = 64 * 1024
_CONNECT_TIMEOUT_S = 15.0
_HOP_HEADERS = {"proxy-connection", "proxy-authorization", "connection", "keep-alive"}
MAX_BLOCKED_LISTED = 100


@dataclass
class BlockedList:
    """Refused requests of one context: url, reason, and which part of the policy said no."""

    items: list[dict[str, str]] = field(default_factory=list)
    total: int = 0
    also: list[dict[str, str]] | None = None  # the pool's list of every context's refusals

    # The latest refusals with their number (1, 2, ...): what a window of a shared context saw.
    recent: list[tuple[int, dict[str, str]]] = field(default_factory=list)

    def add(self, url: str, reason: str, by: str) -> None:
        self.total += 1
        item = {"url": url[:300], "reason": reason[:200], "by": by}
        self.recent.append((self.total, item))
        del self.recent[:-MAX_BLOCKED_LISTED * 2]
        if len(self.items) < MAX_BLOCKED_LISTED and not any(i["url"] == item["url"] for i in self.items):
            self.items.append(item)
        if self.also is not None:
            self.also.append(item)
            del self.also[:-200]

    def evidence(self) -> list[dict[str, str]]:
        return list(self.items)

    def since(self, mark: int) -> list[dict[str, str]]:
        """The refusals after the `mark`-th one (distinct URLs, at most MAX_BLOCKED_LISTED)."""
        out: list[dict[str, str]] = []
        for number, item in self.recent:
            if number > mark and len(out) < MAX_BLOCKED_LISTED and not any(i["url"] == item["url"] for i in out):
                out.append(item)
        return out


# The proxy of each live browser context (by id), so an attempt can say why a page was not reached.
_BY_CONTEXT: dict[int, NetworkProxy] = {}


def register(context: Any, proxy: NetworkProxy) -> None:
    _BY_CONTEXT[id(context)] = proxy


def forget(context: Any) -> None:
    _BY_CONTEXT.pop(id(context), None)


def failure_for(context: Any, url: str) -> str | None:
    """Chromium's own error code for a page the context's proxy could not or would not reach
    (ERR_NAME_NOT_RESOLVED, ERR_CONNECTION_REFUSED, ERR_BLOCKED_BY_CLIENT...), else None. Behind a
    proxy the browser itself only sees a 502/403 answer or a failed tunnel."""
    proxy = _BY_CONTEXT.get(id(context))
    if proxy is None:
        return None
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return proxy.failures.get(f"{(parts.hostname or '').lower()}:{port}")


class NetworkProxy:
    def __init__(self, guard: UrlGuard, blocked: BlockedList | None = None):
        self.guard = guard
        self.blocked = blocked or BlockedList()
        self.failures: dict[str, str] = {}  # host:port -> Chromium's error code for it
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> NetworkProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, limit=_MAX_HEAD)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for task in list(self._tasks):
            task.cancel()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await self._handle(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.CancelledError):
            pass
        except Exception:
            log.debug("proxy connection failed", exc_info=True)
        finally:
            if task is not None:
                self._tasks.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = [*lines[0].split(" ", 2), "", ""][:3]
        if method.upper() == "CONNECT":
            host, _, port_text = target.rpartition(":")
            port = int(port_text or 443)
            scheme = "https" if port != 80 else "http"
            url = f"{scheme}://{host}:{port}"
            addresses = await self._checked(url, host.strip("[]"), port, writer)
            if addresses is None:
                return
            upstream = await self._open(addresses, host.strip("[]"), port, url, writer)
            if upstream is None:
                return
            writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            await writer.drain()
            await _pipe_both(reader, writer, *upstream)
            return
        parts = urlsplit(target)
        if parts.scheme not in ("http", "ws") or not parts.hostname:
            self.blocked.add(target, f"scheme {parts.scheme or '(none)'}: only http(s) is allowed", "proxy")
            await _refuse(writer, "only http(s) is allowed")
            return
        port = parts.port or 80
        addresses = await self._checked(target, parts.hostname, port, writer)
        if addresses is None:
            return
        upstream = await self._open(addresses, parts.hostname, port, target, writer)
        if upstream is None:
            return
        up_reader, up_writer = upstream
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        out = [f"{method} {path} {version or 'HTTP/1.1'}"]
        for line in lines[1:]:
            if not line:
                continue
            name = line.split(":", 1)[0].strip().lower()
            if name not in _HOP_HEADERS:
                out.append(line)
        out.append("Connection: close")
        up_writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1"))
        await up_writer.drain()
        await _pipe_both(reader, writer, up_reader, up_writer)

    async def _checked(self, url: str, host: str, port: int, writer: asyncio.StreamWriter) -> list[str] | None:
        """The addresses to connect to, every one checked; None (answered) when refused or unknown."""
        key = f"{host.lower()}:{port}"
        try:
            addresses = await self.guard.check_resolved(host)
        except Unresolved as exc:  # not the policy: the name does not exist (the browser shows an error)
            log.debug("proxy: %s", exc)
            self.failures[key] = "ERR_NAME_NOT_RESOLVED"
            await _bad_gateway(writer)
            return None
        except BlockedUrl as exc:
            self.blocked.add(url, str(exc), "proxy")
            self.failures[key] = "ERR_BLOCKED_BY_CLIENT"
            await _refuse(writer, str(exc))
            return None
        self.failures.pop(key, None)
        return [self.guard.resolver.dial_address(a) for a in addresses]

    async def _open(self, addresses: list[str], host: str, port: int, url: str, writer: asyncio.StreamWriter
                    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        """A connection to the first checked address that answers (IPv6 then IPv4, as resolved)."""
        code = "ERR_CONNECTION_FAILED"
        for address in addresses:
            try:
                return await asyncio.wait_for(asyncio.open_connection(address, port), timeout=_CONNECT_TIMEOUT_S)
            except ConnectionRefusedError:
                code = "ERR_CONNECTION_REFUSED"
            except TimeoutError:
                code = "ERR_CONNECTION_TIMED_OUT"
            except OSError as exc:
                log.debug("proxy could not reach %s at %s: %s", url, address, exc)
        self.failures[f"{host.lower()}:{port}"] = code
        await _bad_gateway(writer)
        return None


async def _bad_gateway(writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(Exception):
        writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()


async def _refuse(writer: asyncio.StreamWriter, reason: str) -> None:
    body = f"blocked by dirbolt's network policy: {reason}".encode()
    writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n"
                 + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    with contextlib.suppress(Exception):
        await writer.drain()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            chunk = await reader.read(65536)
            if not chunk:
                break
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        with contextlib.suppress(Exception):
            if writer.can_write_eof():
                writer.write_eof()


async def _pipe_both(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter,
                     up_reader: asyncio.StreamReader, up_writer: asyncio.StreamWriter) -> None:
    up = asyncio.ensure_future(_pipe(client_reader, up_writer))
    down = asyncio.ensure_future(_pipe(up_reader, client_writer))
    try:
        # The answer ends the exchange: once the far side closed, the client side is closed too.
        await down
    finally:
        up.cancel()
        with contextlib.suppress(Exception):
            up_writer.close()
