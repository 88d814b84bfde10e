"""A directory's pace, shared by every worker through PostgreSQL (store.pacing):
submissions and probes alike wait for the directory's slot and leave rate_limit_ms after them."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from dirbolt_core.models import Directory


async def wait_for_slot(store: Any, directory: Directory, *, holder: str, lease_s: float, priority: int = 0) -> int:
    """Wait for the directory's slot (higher priority first); returns the milliseconds spent waiting.

    A directory without a rate limit is not paced: any number of visits may run at once."""
    if directory.rate_limit_ms <= 0:
        return 0
    started = time.monotonic()
    while True:
        wait_s = await asyncio.to_thread(store.pacing.try_acquire, directory.id, holder=holder,
                                         lease_s=lease_s, priority=priority)
        if wait_s <= 0:
            return int((time.monotonic() - started) * 1000)
        await asyncio.sleep(min(wait_s, 1.0))


async def release_slot(store: Any, directory: Directory, *, holder: str) -> None:
    if directory.rate_limit_ms > 0:
        await asyncio.to_thread(store.pacing.release, directory.id, holder=holder,
                                rate_limit_ms=directory.rate_limit_ms)
