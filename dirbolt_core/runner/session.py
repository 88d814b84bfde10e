"""One browser context per job, its pages reused from one directory to the next.

A job is one business: its directories share a context (cookies are per site, so directories on
their own domains never see each other's), and each of its concurrent submissions keeps a page and
navigates it to the next directory. A fresh context costs Chromium a renderer process and a
profile; a reused page costs it a navigation. A page whose attempt did not end cleanly (an
exception, a timeout, a browser crash) is closed, never lent again; a context that died with its
browser is replaced on the next request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from dirbolt_core.runner.browser import BrowserPool
from dirbolt_core.runner.submit import NETWORK_EVENTS

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Page

log = logging.getLogger(__name__)


def _ignore(_event: object) -> None:
    pass


def _keep_subscribed(page: Page) -> None:
    """A no-op listener per attempt's network event: the page's subscriptions outlive each attempt."""
    for event in NETWORK_EVENTS:
        page.on(event, _ignore)  # type: ignore[call-overload]


class JobSession:
    def __init__(self, pool: BrowserPool):
        self.pool = pool
        self._context: BrowserContext | None = None
        self._idle: list[Page] = []
        self._lock = asyncio.Lock()
        self.contexts_opened = 0
        self.pages_opened = 0
        self.pages_reused = 0

    async def context(self) -> BrowserContext:
        async with self._lock:
            if self._context is None:
                self._context = await self.pool.new_context()
                self.contexts_opened += 1
            return self._context

    async def page(self) -> tuple[BrowserContext, Page]:
        """A page of the job's context: an idle one when there is one, else a new one."""
        async with self._lock:
            while self._idle:
                page = self._idle.pop()
                if not page.is_closed() and self._context is not None:
                    self.pages_reused += 1
                    return self._context, page
            for fresh in (False, True):
                if self._context is None or fresh:
                    await self._drop_context()
                    self._context = await self.pool.new_context()
                    self.contexts_opened += 1
                try:
                    page = await self._context.new_page()
                    _keep_subscribed(page)
                    self.pages_opened += 1
                    return self._context, page
                except Exception:  # the context died with its browser: a new one (pool relaunches it)
                    if fresh:
                        raise
                    log.info("job context gone; opening a new one", exc_info=True)
            raise AssertionError("unreachable")

    async def give_back(self, page: Page, *, reusable: bool) -> None:
        """Lend the page to the next directory, or close it (an attempt that did not end cleanly)."""
        if reusable and not page.is_closed():
            self._idle.append(page)
            return
        with contextlib.suppress(Exception):
            await page.close()

    async def _drop_context(self) -> None:
        context, self._context = self._context, None
        self._idle.clear()
        if context is not None:
            with contextlib.suppress(Exception):
                await context.close()

    async def close(self) -> None:
        async with self._lock:
            await self._drop_context()
