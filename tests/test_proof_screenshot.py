"""The proof screenshot (issue 20): a JPEG of the answer page as a person would see it, taken
through one CDP session per page, reused from one directory's answer to the next.

Real Chromium, no network: a short page is captured as its viewport, a long one whole (its last
pixels included); a page's second screenshot, after a navigation, reuses the session; a session
that broke is replaced and the proof still taken.
"""

from __future__ import annotations

import asyncio
import io
from urllib.parse import quote

from PIL import Image
from playwright.async_api import async_playwright

from dirbolt_core.runner import proof
from dirbolt_core.runner.browser import CHROMIUM_ARGS, find_chromium

WIDTH, HEIGHT = 800, 600
SHORT = "<html><body style='margin:0;background:#d00'><h1>Thank you, your listing was received</h1></body></html>"
LONG = ("<html><body style='margin:0'><div style='height:2900px;background:#0a0'>Listing received</div>"
        "<div style='height:100px;background:#00d'>end</div></body></html>")


def _image(data: bytes) -> Image.Image:
    assert data[:3] == b"\xff\xd8\xff"  # a JPEG
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.format == "JPEG"
    return image.convert("RGB")


def _near(pixel: tuple[int, int, int], want: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(pixel, want, strict=True))


def test_proof_is_a_jpeg_of_the_page_short_as_its_viewport_long_whole_one_session_per_page():
    async def go():
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
            try:
                context = await browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
                page = await context.new_page()
                opened = proof.sessions_opened
                await page.set_content(SHORT)
                short = await proof.proof_screenshot(context, page, timeout_s=10)
                await page.goto("data:text/html," + quote(LONG))  # the page goes on to the next directory
                long = await proof.proof_screenshot(context, page, timeout_s=10)
                reused = proof.sessions_opened - opened
                # A session that broke (detached under us): replaced, the proof is still taken.
                await proof._SESSIONS[page].detach()
                await page.set_content(SHORT)
                after_break = await proof.proof_screenshot(context, page, timeout_s=10)
                again = await proof.proof_screenshot(context, page, timeout_s=10)
                return short, long, reused, after_break, again, proof.sessions_opened - opened
            finally:
                await browser.close()

    short, long, reused, after_break, again, opened = asyncio.run(go())
    image = _image(short)
    assert image.size == (WIDTH, HEIGHT)  # fits in the viewport: the viewport as shown
    assert _near(image.getpixel((WIDTH // 2, HEIGHT - 5)), (0xdd, 0, 0))
    image = _image(long)
    assert image.size[1] == 3000  # the whole page, not the viewport
    assert _near(image.getpixel((10, 10)), (0, 0xaa, 0))
    assert _near(image.getpixel((10, 2990)), (0, 0, 0xdd))  # its end is in the proof
    assert reused == 1  # one session for both screenshots of the page
    for shot in (after_break, again):
        assert _near(_image(shot).getpixel((WIDTH // 2, 300)), (0xdd, 0, 0))
    assert opened == 2  # the broken session replaced once, then reused
