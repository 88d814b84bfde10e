"""Held-out pages of the real web's kinds (tests/fixtures/realweb/), written apart from the sandbox's
sites, served on two loopback origins: the runner must submit every one of them right.

Each page's post is recorded by the test server: exactly one submission per page, the profile's
values in the right keys, honeypots empty, and the runner's outcome as the page's answer says
(the double opt-in page ends `pending_verification`).
"""

from __future__ import annotations

import asyncio
import json
import threading
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
from dirbolt_core.sample import SAMPLE_PROFILE as P
from dirbolt_core.vocabulary import SubmissionStatus
from tests.two_origins import TwoOrigins

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "realweb"
DESCRIPTION = P.description or ""

# What each page answers, and what a correct runner leaves in its record.
ANSWERS = {
    "vue-cdn": "Thanks! Your business has been registered with Townfolk.",
    "mui-formless": "Success! Your place was submitted and will appear after review.",
    "lit-shadow": "Saved. Thank you, your listing has been received.",
    "headless-combobox": "Welcome aboard! Your profile has been created.",
    "typeform-iframe": "Thanks for submitting!",
    "www-redirect": "Your listing was saved and is awaiting moderation.",
    "double-optin": "Please check your inbox: we've emailed you a verification link. Your listing goes live once "
                    "you verify your email address.",
    "slow-spinner": "Your business has been added to QuickPages.",
}
EXPECTED: dict[str, tuple[str, SubmissionStatus, dict[str, Any]]] = {
    # page: (the URL path the runner is given, its outcome, the exact record)
    "vue-cdn": ("/vue-cdn.html", SubmissionStatus.SUBMITTED, {
        "company": P.business_name, "mail": P.email, "telephone": P.phone, "homepage": P.website,
        "locality": P.city, "postcode": P.postal_code, "fax_number": "", "summary": DESCRIPTION}),
    "mui-formless": ("/mui-formless.html", SubmissionStatus.SUBMITTED, {
        "name": P.business_name, "email": P.email, "phone": P.phone, "street": P.address_line1,
        "description": DESCRIPTION}),
    "lit-shadow": ("/lit-shadow.html", SubmissionStatus.SUBMITTED, {
        "biz": P.business_name, "contact": P.email, "tel": P.phone, "www": P.website, "bio": DESCRIPTION}),
    "headless-combobox": ("/headless-combobox.html", SubmissionStatus.SUBMITTED, {
        "business": P.business_name, "email": P.email, "phone": P.phone, "category": "bake",
        "established": f"{P.year_founded}-01-01", "terms": True}),
    "typeform-iframe": ("/typeform-iframe.html", SubmissionStatus.SUBMITTED, {
        "company": P.business_name, "email": P.email, "phone": P.phone, "site": P.website, "city": P.city,
        "nick": "", "about": DESCRIPTION}),
    "www-redirect": ("/www-redirect", SubmissionStatus.SUBMITTED, {
        "listing[title]": P.business_name, "listing[email]": P.email, "listing[phone]": P.phone,
        "listing[zip]": P.postal_code, "listing[url]": P.website}),
    "double-optin": ("/double-optin.html", SubmissionStatus.PENDING_VERIFICATION, {
        "bn": P.business_name, "em": P.email, "ph": P.phone, "ct": P.city, "fx": ""}),
    "slow-spinner": ("/slow-spinner.html", SubmissionStatus.SUBMITTED, {
        "business": P.business_name, "email": P.email, "phone": P.phone, "website": P.website}),
}


class HeldOut:
    """Serves the fixture pages with their origins filled in, records every post."""

    def __init__(self) -> None:
        self.origins: dict[str, str] = {}
        self.received: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()

    def app(self) -> Starlette:
        async def page(request: Request) -> Response:
            path = request.path_params["path"]
            if path == "www-redirect":  # the apex sends the visitor to another host name
                return RedirectResponse(f"{self.origins['B_OTHER']}/www-form.html", status_code=302)
            file = (FIXTURES / path).resolve()
            if FIXTURES not in file.parents or not file.is_file():
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
            return JSONResponse({"ok": True, "message": ANSWERS[name]})

        async def post(request: Request) -> Response:
            name = request.path_params["name"]
            await self._read(request)
            return HTMLResponse(f"<!doctype html><title>Done</title><h1>Done</h1><p>{ANSWERS[name]}</p>")

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


@pytest.fixture(scope="module")
def heldout():
    h = HeldOut()
    with TwoOrigins(h.app()) as servers:
        h.origins.update({"A": servers.a, "B": servers.b, "B_OTHER": f"http://localhost:{servers.ports[1]}"})
        yield h


@pytest.fixture(scope="module")
def attempts(heldout) -> dict[str, Any]:
    """Every held-out page through the runner once (one Chromium, a fresh context each)."""
    async def run_all() -> dict[str, Any]:
        results = {}
        async with BrowserPool(BrowserOptions(), UrlGuard()) as pool:
            for name, (path, _, _) in EXPECTED.items():
                url = heldout.origins["A"] + path
                context = await pool.new_context()
                try:
                    directory = Directory(id=f"heldout-{name}", name=name, url=url, submission_url=url)
                    results[name] = await SubmissionAttempt(context=context, directory=directory, profile=P,
                                                            brain=FormBrain()).run()
                finally:
                    await context.close()
        return results

    return asyncio.run(run_all())


# The brain reads the next row's caption ("Leave blank", the honeypot's) as the postcode box's own
# hint and maps it as a honeypot (FormField.text_after of a text box): reported to the brain's issue.
_BRAIN_GAPS: dict[str, str] = {}  # (vue-cdn: a box's words after it that are a hidden trap's caption; fixed)


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xfail(reason=_BRAIN_GAPS[n], strict=True))
                                  if n in _BRAIN_GAPS else n for n in EXPECTED])
def test_the_runner_submits_the_held_out_page_right(name, heldout, attempts):
    _, status, fields = EXPECTED[name]
    got = attempts[name].analysis
    assert got.status is status, (got.status, got.reason)
    posts = [data for page, data in heldout.received if page == name]
    assert len(posts) == 1, f"{len(posts)} submissions"  # pressed exactly once
    assert posts[0] == fields  # the profile's values in the right keys, honeypots empty
