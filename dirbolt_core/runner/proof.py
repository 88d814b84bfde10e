"""The screenshot kept as proof of a directory's answer.

A JPEG (a fraction of a PNG's size and of Chromium's encoding time; text stays legible at this
quality) taken through one CDP session per page: a job's pages go from one directory to the next,
and opening a session (attach, then detach) for every screenshot cost Chromium and the driver a
round trip each way per submission. A page that fits in its viewport is captured as it is shown;
a longer one whole (`captureBeyondViewport`, which makes Chromium lay the page out again at its full
height, only when there is more to see). Playwright's own full-page screenshot if CDP fails.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import math
import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, CDPSession, Page

log = logging.getLogger(__name__)

JPEG_QUALITY = 80
# One CDP session per page, for as long as the page lives (a closed page takes its session with it).
_SESSIONS: weakref.WeakKeyDictionary[Page, CDPSession] = weakref.WeakKeyDictionary()
sessions_opened = 0  # how many CDP sessions were opened for proof (tests read it)


async def _session(context: BrowserContext, page: Page) -> CDPSession:
    global sessions_opened
    session = _SESSIONS.get(page)
    if session is None:
        session = await context.new_cdp_session(page)
        sessions_opened += 1
        _SESSIONS[page] = session
    return session


async def _forget(page: Page) -> None:
    session = _SESSIONS.pop(page, None)
    if session is not None:
        with contextlib.suppress(Exception):
            await session.detach()


async def proof_screenshot(context: BrowserContext, page: Page, *, timeout_s: float,
                           quality: int = JPEG_QUALITY) -> bytes:
    """The page as a JPEG: the viewport when the page fits in it, else the whole page."""
    try:
        session = await _session(context, page)
    except Exception:
        session = None
    if session is not None:
        try:
            metrics = await asyncio.wait_for(session.send("Page.getLayoutMetrics"), timeout=timeout_s)
            size, view = metrics["cssContentSize"], metrics["cssLayoutViewport"]
            width, height = max(1, math.ceil(size["width"])), max(1, math.ceil(size["height"]))
            params: dict = {"format": "jpeg", "quality": quality, "optimizeForSpeed": True}
            if width > view["clientWidth"] or height > view["clientHeight"]:
                params.update(captureBeyondViewport=True, clip={"x": 0, "y": 0, "width": width, "height": height,
                                                                "scale": 1})
            shot = await asyncio.wait_for(session.send("Page.captureScreenshot", params), timeout=timeout_s)
            return base64.b64decode(shot["data"])
        except Exception as exc:  # a session that broke is not reused
            log.debug("fast screenshot failed, taking Playwright's: %s", exc)
            await _forget(page)
    return await page.screenshot(full_page=True, type="jpeg", quality=quality, timeout=timeout_s * 1000)
