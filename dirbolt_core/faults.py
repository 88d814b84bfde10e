"""Failpoints: named places where a fault-injection test can make the process stall or die.

DIRBOLT_FAILPOINTS="after_submit=sleep:30;before_fill=exit" — each entry is a failpoint
name and an action: `sleep:SECONDS`, `exit` (the process dies at once, like kill -9: no
cleanup, no finally blocks) or `raise` (a RuntimeError). Unset in production: every
failpoint is a no-op costing one dict lookup.
"""

from __future__ import annotations

import asyncio
import os
import time
from functools import lru_cache

ENV = "DIRBOLT_FAILPOINTS"


@lru_cache(maxsize=1)
def _configured() -> dict[str, str]:
    spec = os.environ.get(ENV, "")
    points: dict[str, str] = {}
    for entry in filter(None, (e.strip() for e in spec.split(";"))):
        name, _, action = entry.partition("=")
        points[name.strip()] = action.strip()
    return points


async def failpoint(name: str) -> None:
    action = _configured().get(name)
    if not action:
        return
    if action.startswith("sleep:"):
        await asyncio.sleep(float(action.removeprefix("sleep:")))
    else:
        failpoint_sync(name)


def failpoint_sync(name: str) -> None:
    action = _configured().get(name)
    if not action:
        return
    if action.startswith("sleep:"):
        time.sleep(float(action.removeprefix("sleep:")))
    elif action == "exit":
        os._exit(137)
    elif action == "raise":
        raise RuntimeError(f"failpoint {name}")
