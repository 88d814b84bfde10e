"""Brain commands for the `dirbolt` CLI: `map-form` and `brain-serve`.

The main CLI calls `register(app)`. `map-form` reads saved HTML files and URLs; all the
inputs of one call share one process, one brain and (when any input is a URL) one
Chromium, so a hundred inputs pay the start-up once.

URLs are opened in a real browser (Chromium through Playwright, the runner's own reader):
script-rendered forms, iframes and CSS-hidden honeypots are then seen as a person sees
them. `--no-browser` fetches them with httpx instead (static HTML, no scripts). Only
http(s) pages are opened, never cloud-metadata addresses.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import typer

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

    def __init__(self, *, browser: bool = True, timeout_s: float = 20.0):
        self.use_browser = browser
        self.timeout_s = timeout_s
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
            from dirbolt_core.settings import get_settings

            self._pw = await async_playwright().start()
            self._browser = await self._pw.chromium.launch(
                executable_path=find_chromium(get_settings().chromium_path), args=CHROMIUM_ARGS, headless=True)
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
                      reader: SourceReader | None = None) -> list[dict[str, Any]]:
    """The map-form result of every source, in order; a source that fails carries an error."""
    reader = reader or SourceReader(browser=browser, timeout_s=timeout_s)
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


def map_form_command(
    sources: list[str] = typer.Argument(..., metavar="PATH_OR_URL...", help="saved HTML files and/or http(s) URLs"),
    json_output: bool = typer.Option(False, "--json", help="one JSON line per input"),
    browser: bool = typer.Option(True, "--browser/--no-browser",
                                 help="open URLs in Chromium (default) or fetch them with httpx"),
    timeout: float = typer.Option(20.0, "--timeout", help="seconds per URL"),
) -> None:
    """Map the forms of saved pages or live URLs to the profile vocabulary (no LLM, no submit)."""
    brain = FormBrain()
    results = asyncio.run(map_sources(list(sources), brain=brain, browser=browser, timeout_s=timeout))
    failed = False
    for result in results:
        failed |= "error" in result
        if json_output:
            sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        else:
            _print_human(result)
    sys.stdout.flush()
    if failed:
        raise typer.Exit(code=1)


def _print_human(result: dict[str, Any]) -> None:
    typer.echo(result["source"])
    if "error" in result:
        typer.echo(f"  error: {result['error']}")
        return
    if not result["forms"]:
        typer.echo("  no forms")
    for form in result["forms"]:
        where = f" (frame {form['frame']})" if form.get("frame") else ""
        typer.echo(f"  form {form['index']}{where} signature {form['signature']}")
        for f in form["fields"]:
            typer.echo(f"    {str(f['name'])[:40]:40} {f['key']:22} {f['confidence']:.2f} {f['strategy']}")


def brain_serve_command(
    port: int = typer.Option(8088, "--port", help="port to listen on"),
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
    log_level: str = typer.Option("info", "--log-level"),
) -> None:
    """Run the brain service (needs DIRBOLT_BRAIN_API_KEY; DIRBOLT_LLM_MODEL + key turn the LLM on)."""
    from dirbolt_core.brain.service import serve

    try:
        serve(host=host, port=port, log_level=log_level)
    except RuntimeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc


def register(app: typer.Typer) -> None:
    """Add the brain's commands to a Typer app (the main `dirbolt` CLI)."""
    app.command("map-form")(map_form_command)
    app.command("brain-serve")(brain_serve_command)


def main() -> None:  # `python -m dirbolt_core.brain.cli ...` until the main CLI registers us
    app = typer.Typer(add_completion=False, help="dirbolt form brain")
    register(app)
    app()


if __name__ == "__main__":
    main()
