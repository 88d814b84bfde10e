"""A real sandbox server (uvicorn in a thread, real HTTP) and one real Chromium for every sandbox test."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from dirbolt_core.catalog import load_catalog
from dirbolt_core.models import Directory
from dirbolt_sandbox.app import CATALOG_PATH, create_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SandboxServer:
    """The sandbox app served by uvicorn on a free port, in a daemon thread."""

    def __init__(self, seed: int = 7):
        self.seed = seed
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(seed=seed), host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True, name=f"sandbox-{self.port}")

    def __enter__(self) -> SandboxServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the sandbox server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


class SandboxAdmin:
    """The admin endpoints: the server's record is the ground truth every test asserts against."""

    def __init__(self, url: str):
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=20)

    def reset(self) -> None:
        self.http.delete("/_admin/submissions").raise_for_status()
        self.http.delete("/_admin/config").raise_for_status()

    def records(self, site: str | None = None) -> list[dict[str, Any]]:
        return self.http.get("/_admin/submissions", params={"site": site} if site else None).json()

    def configure(self, site: str, **knobs: Any) -> dict[str, Any]:
        response = self.http.post("/_admin/config", json={"site": site, **knobs})
        response.raise_for_status()
        return response.json()

    def captcha_answer(self, site: str) -> str:
        return self.http.get(f"/_admin/captcha/{site}").json()["answer"]


@pytest.fixture(scope="package")
def sandbox_url() -> Iterator[str]:
    with SandboxServer(seed=7) as server:
        yield server.url


@pytest.fixture
def sbx(sandbox_url: str) -> Iterator[SandboxAdmin]:
    """A clean record and every site's declared behaviour, before and after the test."""
    admin = SandboxAdmin(sandbox_url)
    admin.reset()
    yield admin
    admin.reset()
    admin.http.close()


@pytest.fixture(scope="package")
def catalog_by_id(sandbox_url: str) -> dict[str, Directory]:
    return {d.id: d for d in load_catalog(CATALOG_PATH, sandbox_url=sandbox_url)}


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """One Chromium for the whole sandbox package.

    Package scope, not session scope: a live sync Playwright owns the thread's event loop, so a
    browser kept open for the rest of the session would make asyncio.run() fail in the
    runner's tests that follow.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="package")
def _shared_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def page(_shared_page: Any) -> Iterator[Any]:
    """One tab reused by every test (cheaper than a context each): cookies cleared, blank page first."""
    _shared_page.context.clear_cookies()
    _shared_page.goto("about:blank")
    yield _shared_page
    _shared_page.goto("about:blank")
