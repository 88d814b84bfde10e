"""One Chromium per run process; a context per job (runner/session.py), a fresh one per retry."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dirbolt_core.runner import netproxy
from dirbolt_core.runner.guard import BlockedUrl, UrlGuard
from dirbolt_core.runner.netproxy import BlockedList, NetworkProxy

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Playwright, Route

log = logging.getLogger(__name__)

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # Chromium's own calls home (autofill, optimization hints) would cross the guarded proxy as noise.
    "--disable-features=AutofillServerCommunication,OptimizationHints,MediaRouter",
]


def find_chromium(configured: str | None = None) -> str | None:
    """A configured path, else the system Chromium; None lets Playwright use its own build."""
    if configured:
        return configured
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class BrowserOptions:
    chromium_path: str | None = None
    headless: bool = True
    step_timeout_ms: int = 15_000
    navigation_timeout_ms: int = 20_000
    viewport_width: int = 1280
    viewport_height: int = 900
    # Resource types never fetched (Playwright's names: media, font, image, ...): filling never needs them.
    block_resource_types: tuple[str, ...] = ("media", "font")


class BrowserPool:
    """Shared Chromium for one run process. Contexts never share cookies between customers."""

    def __init__(self, options: BrowserOptions, guard: UrlGuard):
        self.options = options
        self.guard = guard
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._lock = asyncio.Lock()
        # Every refused request of every context (url, reason, by: route | proxy), and per context.
        self.blocked: list[dict[str, str]] = []
        self._blocked_by_context: dict[int, BlockedList] = {}

    async def start(self) -> BrowserPool:
        from playwright.async_api import async_playwright

        async with self._lock:
            if self._browser is None or not self._browser.is_connected():
                if self._playwright is None:
                    self._playwright = await async_playwright().start()
                self._browser = await self._playwright.chromium.launch(
                    executable_path=find_chromium(self.options.chromium_path),
                    headless=self.options.headless,
                    args=CHROMIUM_ARGS,
                )
        return self

    async def new_context(self) -> BrowserContext:
        """A fresh context whose every request goes through its own guarded proxy (`netproxy`)."""
        if self._browser is None or not self._browser.is_connected():
            # A crashed browser is relaunched for the next attempt.
            await self.start()
        assert self._browser is not None
        blocked = BlockedList(also=self.blocked)
        proxy = await NetworkProxy(self.guard, blocked).start()
        try:
            context = await self._browser.new_context(
                accept_downloads=False,
                viewport={"width": self.options.viewport_width, "height": self.options.viewport_height},
                java_script_enabled=True,
                service_workers="block",
                # <-loopback>: loopback requests go through the proxy too (Chromium bypasses it by default).
                proxy={"server": proxy.url, "bypass": "<-loopback>"},
            )
        except Exception:
            proxy.close()
            raise
        self._blocked_by_context[id(context)] = blocked
        netproxy.register(context, proxy)
        context.once("close", lambda _c: self._forget(context, proxy))
        context.set_default_timeout(self.options.step_timeout_ms)
        context.set_default_navigation_timeout(self.options.navigation_timeout_ms)
        await context.route("**/*", lambda route: self._route(route, blocked))
        return context

    def _forget(self, context: BrowserContext, proxy: NetworkProxy) -> None:
        self._blocked_by_context.pop(id(context), None)
        netproxy.forget(context)
        proxy.close()

    def blocked_requests(self, context: BrowserContext, *, since: int | None = None) -> list[dict[str, str]]:
        """What the context's policy refused so far (the attempt's evidence); with `since` (a
        `blocked_mark`), only what it refused after that mark (a context shared by a job's pages)."""
        found = self._blocked_by_context.get(id(context))
        if found is None:
            return []
        return found.evidence() if since is None else found.since(since)

    def blocked_mark(self, context: BrowserContext) -> int:
        """How many requests the context's policy has refused so far."""
        found = self._blocked_by_context.get(id(context))
        return found.total if found is not None else 0

    async def _route(self, route: Route, blocked: BlockedList) -> None:
        request = route.request
        url = request.url
        if url.startswith(("data:", "blob:", "about:")):
            await route.continue_()
            return
        reason, by = None, ""
        if request.resource_type in self.options.block_resource_types:
            reason, by = f"resource type {request.resource_type} is not fetched (DIRBOLT_BLOCK_RESOURCE_TYPES)", "type"
        else:
            try:
                self.guard.check(url)
            except BlockedUrl as exc:
                reason, by = str(exc), "route"
        if reason is None:
            await route.continue_()
            return
        blocked.add(url, reason, by)
        await route.abort("blockedbyclient")

    async def close(self) -> None:
        if self._browser is not None:
            with contextlib.suppress(Exception):  # already gone (crashed or killed)
                await self._browser.close()
            self._browser = None
        if self._playwright is not None:
            await self._playwright.stop()
            self._playwright = None

    async def __aenter__(self) -> BrowserPool:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
