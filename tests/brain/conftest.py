"""Fixtures of the brain's tests: one Chromium for the module, the service under uvicorn."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from dirbolt_core.services import free_port

os.environ.setdefault("CREWAI_DISABLE_TELEMETRY", "true")
os.environ.setdefault("OTEL_SDK_DISABLED", "true")
os.environ.setdefault("CREWAI_TRACING_ENABLED", "false")

API_KEY = "test-brain-key-123"


class RunningService:
    """An ASGI app served for real by uvicorn in a thread, on a free port."""

    def __init__(self, app: Any):
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> RunningService:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise TimeoutError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


class AsyncBrowser:
    """One Chromium (async Playwright) on one event loop, for a whole test module."""

    def __init__(self) -> None:
        import asyncio

        self.loop = asyncio.new_event_loop()
        self._pw: Any = None
        self.browser: Any = None

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def start(self) -> AsyncBrowser:
        from playwright.async_api import async_playwright

        from dirbolt_core.runner.browser import CHROMIUM_ARGS, find_chromium

        async def launch() -> None:
            self._pw = await async_playwright().start()
            self.browser = await self._pw.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)

        self.run(launch())
        return self

    def new_page(self) -> Any:
        return self.run(self.browser.new_page())

    def stop(self) -> None:
        async def close() -> None:
            await self.browser.close()
            await self._pw.stop()

        self.run(close())
        self.loop.close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[AsyncBrowser]:
    browser = AsyncBrowser().start()
    try:
        yield browser
    finally:
        browser.stop()
