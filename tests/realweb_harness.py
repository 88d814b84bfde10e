"""Serving and checking held-out pages of the real web's kinds (tests/fixtures/realweb*/).

A fixture directory's pages are served on two loopback origins: `{{A}}` in a page is the directory's
origin, `{{B}}` its CDN / widget host (another port), `{{B_OTHER}}` the same server as B under another
host name. Every post (`/api/<page>` answers JSON after `?delay=` seconds, `/post/<page>` an HTML page)
is recorded; a page's test then asserts exactly one submission, the exact record and the runner's
outcome.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from dirbolt_core.brain.mapper import FormBrain
from dirbolt_core.models import Directory
from dirbolt_core.runner.browser import BrowserOptions, BrowserPool
from dirbolt_core.runner.guard import UrlGuard
from dirbolt_core.runner.submit import SubmissionAttempt
from dirbolt_core.sample import SAMPLE_PROFILE
from dirbolt_core.vocabulary import SubmissionStatus
from tests.two_origins import TwoOrigins


@dataclass(frozen=True)
class Page:
    """One held-out page: the URL path the runner is given, its outcome, the exact record it posts."""

    path: str
    status: SubmissionStatus
    record: dict[str, Any]


class HeldOut:
    """Serves a fixture directory's pages with their origins filled in, records every post.

    `answers`: what each page's post answers; `redirects`: a path of origin A -> (origin key, path)
    it redirects to (an apex sending the visitor to another host name)."""

    def __init__(self, fixtures: Path, answers: dict[str, str],
                 redirects: dict[str, tuple[str, str]] | None = None) -> None:
        self.fixtures = fixtures
        self.answers = answers
        self.redirects = dict(redirects or {})
        self.origins: dict[str, str] = {}
        self.received: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()

    def app(self) -> Starlette:
        async def page(request: Request) -> Response:
            path = request.path_params["path"]
            if path in self.redirects:
                origin, target = self.redirects[path]
                return RedirectResponse(f"{self.origins[origin]}{target}", status_code=302)
            file = (self.fixtures / path).resolve()
            if self.fixtures not in file.parents or not file.is_file():
                return HTMLResponse("<h1>Not found</h1>", status_code=404)
            text = file.read_text()
            for key, origin in self.origins.items():
                text = text.replace("{{" + key + "}}", origin)
            kind = {".js": "application/javascript", ".css": "text/css"}.get(file.suffix, "text/html")
            return Response(text, media_type=kind)

        async def api(request: Request) -> Response:
            name = request.path_params["name"]
            await self._read(request)
            await asyncio.sleep(float(request.query_params.get("delay", 0)))
            return JSONResponse({"ok": True, "message": self.answers[name]})

        async def post(request: Request) -> Response:
            name = request.path_params["name"]
            await self._read(request)
            await asyncio.sleep(float(request.query_params.get("delay", 0)))
            return HTMLResponse(f"<!doctype html><title>Done</title><h1>Done</h1><p>{self.answers[name]}</p>")

        return Starlette(routes=[Route("/api/{name}", api, methods=["POST"]),
                                 Route("/post/{name}", post, methods=["POST"]),
                                 Route("/{path:path}", page)])

    async def _read(self, request: Request) -> dict[str, Any]:
        if request.headers.get("content-type", "").startswith("application/json"):
            data = json.loads(await request.body())
        else:
            data = dict(await request.form())
        with self._lock:
            self.received.append((request.url.path.rsplit("/", 1)[-1], data))
        return data

    def posts(self, name: str) -> list[dict[str, Any]]:
        with self._lock:
            return [data for page, data in self.received if page == name]


@contextlib.contextmanager
def serving(heldout: HeldOut) -> Iterator[HeldOut]:
    with TwoOrigins(heldout.app()) as servers:
        heldout.origins.update({"A": servers.a, "B": servers.b,
                                "B_OTHER": f"http://localhost:{servers.ports[1]}"})
        yield heldout


def run_pages(heldout: HeldOut, pages: dict[str, Page], *, at_once: int = 1) -> dict[str, Any]:
    """Every page through the runner once: one Chromium, a fresh context per page, `at_once` pages in
    parallel (each page's posts are its own; the slow answers overlap)."""
    async def run_all() -> dict[str, Any]:
        results: dict[str, Any] = {}
        slots = asyncio.Semaphore(at_once)
        async with BrowserPool(BrowserOptions(), UrlGuard()) as pool:
            async def one(name: str, page: Page) -> None:
                async with slots:
                    url = heldout.origins["A"] + page.path
                    context = await pool.new_context()
                    try:
                        directory = Directory(id=f"heldout-{name}", name=name, url=url, submission_url=url)
                        results[name] = await SubmissionAttempt(context=context, directory=directory,
                                                                profile=SAMPLE_PROFILE, brain=FormBrain()).run()
                    except Exception as exc:  # that page's test fails with it; the others still run
                        results[name] = exc
                    finally:
                        await context.close()

            await asyncio.gather(*(one(name, page) for name, page in pages.items()))
        return results

    return asyncio.run(run_all())


def assert_submitted_right(heldout: HeldOut, attempts: dict[str, Any], name: str, page: Page) -> None:
    if isinstance(attempts[name], Exception):
        raise attempts[name]
    got = attempts[name].analysis
    assert got.status is page.status, (got.status, got.reason, got.evidence.get("text_excerpt"))
    posts = heldout.posts(name)
    assert len(posts) == 1, f"{len(posts)} submissions"  # pressed exactly once
    wrong = {k: (posts[0].get(k), page.record.get(k)) for k in {*posts[0], *page.record}
             if posts[0].get(k) != page.record.get(k)}
    assert not wrong, f"(posted, expected) per key: {wrong}"  # the profile's values in the right keys, honeypots empty


def held_out_tests(fixtures: Path, answers: dict[str, str], pages: dict[str, Page],
                   redirects: dict[str, tuple[str, str]] | None = None, *, at_once: int = 1
                   ) -> tuple[Any, Any, Any]:
    """A test module's module-scoped server and runs (one server, one browser) and its test, one case per
    page: `heldout, attempts, test_... = held_out_tests(...)` at the module's top level."""
    @pytest.fixture(scope="module")
    def heldout() -> Iterator[HeldOut]:
        with serving(HeldOut(fixtures, answers, redirects)) as h:
            yield h

    @pytest.fixture(scope="module")
    def attempts(heldout: HeldOut) -> dict[str, Any]:
        return run_pages(heldout, pages, at_once=at_once)

    @pytest.mark.parametrize("name", list(pages))
    def test_the_runner_submits_the_held_out_page_right(name: str, heldout: HeldOut, attempts: dict[str, Any]):
        assert_submitted_right(heldout, attempts, name, pages[name])

    return heldout, attempts, test_the_runner_submits_the_held_out_page_right
