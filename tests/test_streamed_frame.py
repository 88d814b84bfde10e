"""An iframe whose document arrives in parts: the form is read once the frame has parsed all of it.

Nothing awaits an iframe's load (the page's own `domcontentloaded` is the main frame's). A widget
host that streams its form (or is slow in the middle of it) shows the first fields while the rest,
here the terms box and the submit button, is still on the wire. Filling and submitting what was
there then posts without the terms, which the directory refuses.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.routing import Route

from dirbolt_core.brain.mapper import FormBrain
from dirbolt_core.models import Directory
from dirbolt_core.runner.browser import BrowserOptions, BrowserPool
from dirbolt_core.runner.guard import UrlGuard
from dirbolt_core.runner.submit import SubmissionAttempt
from dirbolt_core.sample import SAMPLE_PROFILE
from dirbolt_core.vocabulary import SubmissionStatus
from tests.two_origins import TwoOrigins

PAUSE_S = 2.0  # the widget host stalls this long between the fields and the rest of its form

_FIELDS = """<!doctype html><html><head><title>Add your business</title></head><body>
<form method="post" action="/post">
  <p><label for="n">Business name</label><input id="n" name="name"></p>
  <p><label for="p">Phone</label><input id="p" name="phone" type="tel"></p>
  <p><label for="e">Email</label><input id="e" name="email" type="email"></p>
  <p><label for="w">Website</label><input id="w" name="website" type="url"></p>
  <p><label for="c">City</label><input id="c" name="city"></p>
""" + "<!-- " + "padding " * 2000 + "-->\n"  # past the parser's first chunk: the fields show at once

_REST = """  <p><input type="checkbox" id="tos" name="tos" value="accept">
     <label for="tos">I accept the terms of service</label></p>
  <p><button type="submit">Add business</button></p>
</form></body></html>"""


class Widget:
    def __init__(self) -> None:
        self.posts: list[dict[str, str]] = []
        self._lock = threading.Lock()

    def app(self) -> Starlette:
        async def page(request: Request) -> Response:
            return HTMLResponse("<!doctype html><title>Directory</title><h1>List your business</h1>"
                                '<iframe src="/frame" width="600" height="700"></iframe>')

        async def frame(request: Request) -> Response:
            async def parts() -> AsyncIterator[bytes]:
                yield _FIELDS.encode()
                await asyncio.sleep(PAUSE_S)
                yield _REST.encode()

            return StreamingResponse(parts(), media_type="text/html")

        async def post(request: Request) -> Response:
            data = {k: str(v) for k, v in (await request.form()).items()}
            with self._lock:
                self.posts.append(data)
            if data.get("tos") != "accept":
                return HTMLResponse("<h2>Error</h2><p role=alert>You must accept the terms of service.</p>",
                                    status_code=422)
            return HTMLResponse("<h2>Thank you!</h2><p>Your business has been submitted successfully.</p>")

        return Starlette(routes=[Route("/", page), Route("/frame", frame),
                                 Route("/post", post, methods=["POST"])])


@pytest.fixture(scope="module")
def widget() -> Iterator[tuple[Widget, str]]:
    w = Widget()
    with TwoOrigins(w.app()) as servers:
        yield w, servers.a


def test_a_form_still_arriving_in_its_frame_is_filled_whole_and_sent_once(widget):
    w, origin = widget

    async def attempt():
        async with BrowserPool(BrowserOptions(), UrlGuard()) as pool:
            context = await pool.new_context()
            try:
                directory = Directory(id="streamed-frame", name="Streamed", url=origin + "/",
                                      submission_url=origin + "/")
                return await SubmissionAttempt(context=context, directory=directory, profile=SAMPLE_PROFILE,
                                               brain=FormBrain()).run()
            finally:
                await context.close()

    result = asyncio.run(attempt())
    assert result.analysis.status is SubmissionStatus.SUBMITTED, (result.analysis.status, result.analysis.reason)
    assert len(w.posts) == 1  # pressed once, with the whole form
    sent = w.posts[0]
    assert sent["tos"] == "accept"
    assert sent["name"] == SAMPLE_PROFILE.business_name and sent["email"] == SAMPLE_PROFILE.email
    # The wait for the rest of the frame is the stall, not the step timeout.
    assert result.timings["read_s"] >= PAUSE_S * 0.5
