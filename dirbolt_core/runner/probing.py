"""Probing many directories: N at a time, each at its own pace (the per-directory slots in
PostgreSQL that submissions use too), proof kept, the verdict recorded."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dirbolt_core.artifacts import ArtifactStore, image_kind
from dirbolt_core.brain.protocols import Brain
from dirbolt_core.db.probes import ProbeRecord
from dirbolt_core.directories.credentials import CredentialStore
from dirbolt_core.logs import log_context
from dirbolt_core.models import BusinessProfile, Directory
from dirbolt_core.runner.browser import BrowserOptions, BrowserPool
from dirbolt_core.runner.guard import UrlGuard
from dirbolt_core.runner.pacing import release_slot, wait_for_slot
from dirbolt_core.runner.probe import ProbeResult, probe_in_context
from dirbolt_core.sample import SAMPLE_PROFILE
from dirbolt_core.vocabulary import Readiness

if TYPE_CHECKING:
    from dirbolt_core.db.store import Store

log = logging.getLogger(__name__)

MAX_TRIES = 3
SLOT_LEASE_S = 180.0


@dataclass
class ProbeRun:
    """How to probe: the parts a run needs (browser, brain, proof storage, credentials)."""

    artifacts: ArtifactStore
    brain: Brain
    browser: BrowserOptions
    production: bool = False
    credentials: CredentialStore | None = None
    concurrency: int = 4
    profile: BusinessProfile = field(default_factory=lambda: SAMPLE_PROFILE)
    actor: str = "probe"
    max_tries: int = MAX_TRIES
    backoff_s: float = 1.0


ProgressFn = Callable[[int, int, Directory, ProbeRecord], None]


def _allowed_urls(directories: Sequence[Directory]) -> list[str]:
    urls = []
    for d in directories:
        urls += [str(d.submission_url), str(d.url)] + ([str(d.login_url)] if d.login_url else [])
    return urls


async def probe_directories(store: Store, directories: Sequence[Directory], run: ProbeRun, *,
                            on_result: ProgressFn | None = None) -> list[ProbeRecord]:
    """Probe each directory once (transient failures retried), record each verdict, return them."""
    holder = f"probe-{uuid.uuid4().hex[:10]}"
    slots = asyncio.Semaphore(max(1, run.concurrency))
    done = 0
    guard = UrlGuard(_allowed_urls(directories), production=run.production)
    async with BrowserPool(run.browser, guard) as pool:

        async def one(directory: Directory) -> ProbeRecord:
            nonlocal done
            with log_context(directory_id=directory.id):
                async with slots:
                    try:
                        record = await _probe_with_retries(store, pool, directory, run, holder)
                    except Exception as exc:  # one directory's bug never sinks the round
                        log.exception("probe crashed")
                        record = ProbeRecord(directory_id=directory.id, readiness=Readiness.UNREACHABLE,
                                             reason=f"probe error: {type(exc).__name__}")
                await asyncio.to_thread(store.probes.record, record, actor=run.actor)
            done += 1
            log.info("probed %s: %s (%s)", directory.id, record.readiness.value, record.reason)
            if on_result is not None:
                on_result(done, len(directories), directory, record)
            return record

        return list(await asyncio.gather(*(one(d) for d in directories)))


async def _probe_with_retries(store: Store, pool: BrowserPool, directory: Directory, run: ProbeRun,
                              holder: str) -> ProbeRecord:
    tries = 0
    while True:
        tries += 1
        await wait_for_slot(store, directory, holder=holder, lease_s=SLOT_LEASE_S)
        context = await pool.new_context()
        try:
            result = await probe_in_context(context, directory, run.brain, run.profile,
                                            step_timeout_ms=run.browser.step_timeout_ms,
                                            credentials=run.credentials)
            blocked = pool.blocked_requests(context)
        finally:
            with contextlib.suppress(Exception):
                await context.close()
            await release_slot(store, directory, holder=holder)
        if blocked:
            result.evidence["blocked_requests"] = blocked
        if not result.transient or tries >= run.max_tries:
            break
        delay = run.backoff_s * 2 ** (tries - 1) * (1 + random.uniform(-0.25, 0.25))
        await asyncio.sleep(max(delay, min(result.retry_after_s or 0, 30.0)))
    result.evidence["tries"] = tries
    return await asyncio.to_thread(_record, directory, result, run)


def _record(directory: Directory, result: ProbeResult, run: ProbeRun) -> ProbeRecord:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    prefix = f"probes/{directory.id}/{stamp}-{uuid.uuid4().hex[:6]}"
    screenshot_uri = html_uri = None
    try:
        if result.screenshot:
            suffix, content_type = image_kind(result.screenshot)
            screenshot_uri = run.artifacts.put(f"{prefix}{suffix}", result.screenshot, content_type)
        if result.html:
            html_uri = run.artifacts.put(f"{prefix}.html", result.html.encode(), "text/html; charset=utf-8")
    except Exception as exc:  # proof storage down: the verdict still counts
        log.warning("probe proof of %s not stored: %s", directory.id, type(exc).__name__)
        result.evidence["proof_error"] = type(exc).__name__
    return ProbeRecord(
        directory_id=directory.id, readiness=result.readiness, reason=result.reason[:1000],
        form_signature=result.form_signature, mapping=result.mapping, unmapped=result.unmapped,
        http_status=result.http_status, final_url=result.final_url, screenshot_uri=screenshot_uri,
        html_uri=html_uri, evidence=result.evidence, duration_ms=result.evidence.get("duration_ms"))
