"""Test servers on loopback: one ASGI app served on two ports (two origins), with a log of requests."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RequestLog:
    """ASGI middleware: every request's (port, method, path) as the server received it."""

    def __init__(self, app: Any):
        self.app = app
        self.seen: list[tuple[int, str, str]] = []
        self._lock = threading.Lock()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            with self._lock:
                self.seen.append((scope["server"][1], scope["method"], scope["path"]))
        await self.app(scope, receive, send)

    def paths(self) -> list[str]:
        with self._lock:
            return [p for _, _, p in self.seen]

    def clear(self) -> None:
        with self._lock:
            self.seen.clear()


class TwoOrigins:
    """`app` served by uvicorn on two loopback ports: `a` (the directory) and `b` (its CDN, widget host)."""

    def __init__(self, app: Any):
        self.log = RequestLog(app)
        self.ports = (free_port(), free_port())
        self.a = f"http://127.0.0.1:{self.ports[0]}"
        self.b = f"http://127.0.0.1:{self.ports[1]}"
        self._servers = [uvicorn.Server(uvicorn.Config(self.log, host="127.0.0.1", port=p, log_level="warning",
                                                       lifespan="off")) for p in self.ports]
        self._threads = [threading.Thread(target=s.run, daemon=True) for s in self._servers]

    def __enter__(self) -> TwoOrigins:
        for t in self._threads:
            t.start()
        deadline = time.monotonic() + 15
        while not all(s.started for s in self._servers):
            if time.monotonic() > deadline:
                raise RuntimeError("test servers did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        for s in self._servers:
            s.should_exit = True
        for t in self._threads:
            t.join(timeout=10)
