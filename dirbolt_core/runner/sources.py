"""The brain on saved pages and live URLs (`dirbolt map-form`): read their forms and map them.

`map_sources` reads saved HTML files and URLs; all the inputs of one call share one
process, one brain and (when any input is a URL) one Chromium, so a hundred inputs pay the
start-up once.

URLs are opened in a real browser (Chromium through Playwright, the runner's own reader):
script-rendered forms, iframes and CSS-hidden honeypots are then seen as a person sees
them. `--no-browser` fetches them with httpx instead (static HTML, no scripts). Only
http(s) pages are opened, never cloud-metadata addresses.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from dirbolt_core.brain.extract import extract_forms_from_html
from dirbolt_core.brain.mapper import FormBrain
from dirbolt_core.brain.model import FormInfo, FormMapping

_URL_SCHEMES = ("http://", "https://")


def _is_url(source: str) -> bool:
    return source.lower().startswith(_URL_SCHEMES)


def form_report(form: FormInfo, mapping: FormMapping, *, frame_url: str | None = None) -> dict[str, Any]:
    """One form of the map-form output: every named control with its key, confidence and strategy."""
    out: dict[str, Any] = {"index": form.index, "signature": mapping.signature, "fields": [
        {"name": f.name, "id": f.id, "key": m.key, "confidence": round(m.confidence, 3), "strategy": m.strategy}
        for f, m in zip(form.fields, mapping.fields, strict=True) if f.name
    ]}
    if frame_url:
        out["frame"] = frame_url
    return out


class SourceReader:
    """Reads sources into forms; opens Chromium once, on the first URL, for every URL after it."""

    def __init__(self, *, browser: bool = True, timeout_s: float = 20.0, chromium_path: str | None = None):
        self.use_browser = browser
        self.timeout_s = timeout_s
        self.chromium_path = chromium_path
        self.launches = 0
        self._pw: Any = None
        self._browser: Any = None
        self._http: Any = None

    async def forms(self, source: str) -> list[tuple[FormInfo, str | None]]:
        if not _is_url(source):
            path = Path(source)
            if not path.is_file():
                raise FileNotFoundError(f"no such file: {source}")
            return [(f, None) for f in extract_forms_from_html(path.read_bytes())]
        _check_url(source)
        if not self.use_browser:
            return [(f, None) for f in extract_forms_from_html(await self._fetch(source))]
        return await self._browse(source)

    async def _fetch(self, url: str) -> bytes:
        import httpx

        if self._http is None:
            self._http = httpx.AsyncClient(timeout=self.timeout_s, follow_redirects=True)
        response = await self._http.get(url)
        response.raise_for_status()
        return response.content

    async def _browse(self, url: str) -> list[tuple[FormInfo, str | None]]:
        from dirbolt_core.brain.extract import extract_forms_from_page

        if self._browser is None:
            from playwright.async_api import async_playwright

            from dirbolt_core.runner.browser import CHROMIUM_ARGS, find_chromium

            self._pw = await async_playwright().start()
            self._browser = await self._pw.chromium.launch(
                executable_path=find_chromium(self.chromium_path), args=CHROMIUM_ARGS, headless=True)
            self.launches += 1
        context = await self._browser.new_context()
        await context.route("**/*", _guard_route)
        try:
            page = await context.new_page()
            await page.goto(url, wait_until="load", timeout=self.timeout_s * 1000)
            deadline = time.monotonic() + min(self.timeout_s, 3.0)
            found = await extract_forms_from_page(page)
            while not found and time.monotonic() < deadline:  # script-rendered forms take a moment
                await asyncio.sleep(0.2)
                found = await extract_forms_from_page(page)
            return [(form, frame.url if frame.parent_frame else None) for frame, form in found]
        finally:
            await context.close()

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()
        if self._browser is not None:
            await self._browser.close()
        if self._pw is not None:
            await self._pw.stop()


def _check_url(url: str) -> None:
    from dirbolt_core.runner.guard import UrlGuard

    UrlGuard([url]).check(url)  # http(s) only, never a cloud-metadata address


async def _guard_route(route: Any) -> None:
    from dirbolt_core.runner.guard import BlockedUrl, UrlGuard

    url = route.request.url
    if url.startswith(("data:", "blob:")):
        await route.continue_()
        return
    try:
        UrlGuard([url]).check(url)
    except BlockedUrl:
        await route.abort()
        return
    await route.continue_()


async def map_sources(sources: list[str], *, brain: FormBrain, browser: bool = True, timeout_s: float = 20.0,
                      reader: SourceReader | None = None, chromium_path: str | None = None) -> list[dict[str, Any]]:
    """The map-form result of every source, in order; a source that fails carries an error."""
    reader = reader or SourceReader(browser=browser, timeout_s=timeout_s, chromium_path=chromium_path)
    results: list[dict[str, Any]] = []
    try:
        for source in sources:
            try:
                found = await reader.forms(source)
            except Exception as exc:  # one bad input never stops the others
                results.append({"source": source, "error": f"{type(exc).__name__}: {exc}"})
                continue
            results.append({"source": source, "forms": [
                form_report(form, brain.map_form(form), frame_url=frame) for form, frame in found]})
    finally:
        await reader.close()
    return results
