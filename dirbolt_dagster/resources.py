"""Typed, injected resources: the system of record, the queue, the browser, the brain, proof storage."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence

import dagster as dg
from pydantic import PrivateAttr

from dirbolt_core.artifacts import ArtifactStore, artifact_store_from_uri
from dirbolt_core.brain.client import BrainClient
from dirbolt_core.brain.factory import build_brain
from dirbolt_core.brain.mapper import FormBrain
from dirbolt_core.db.store import Store
from dirbolt_core.queue.sqs import JobQueue
from dirbolt_core.runner.browser import BrowserOptions, BrowserPool
from dirbolt_core.runner.guard import UrlGuard


class StoreResource(dg.ConfigurableResource):
    """PostgreSQL / Supabase system of record."""

    database_url: str
    pool_max_size: int = 10

    _store: Store | None = PrivateAttr(default=None)

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.database_url, max_size=self.pool_max_size)
        return self._store

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


class QueueResource(dg.ConfigurableResource):
    """The SQS jobs queue and its DLQ (any SQS-compatible endpoint)."""

    endpoint_url: str | None = None
    region: str = "us-east-1"
    queue_name: str = "dirbolt-jobs"
    dlq_name: str = "dirbolt-jobs-dlq"
    max_receive_count: int = 5

    _queue: JobQueue | None = PrivateAttr(default=None)

    @property
    def queue(self) -> JobQueue:
        if self._queue is None:
            queue = JobQueue(endpoint_url=self.endpoint_url or None, region=self.region,
                             queue_name=self.queue_name, dlq_name=self.dlq_name,
                             max_receive_count=self.max_receive_count)
            queue.ensure()
            self._queue = queue
        return self._queue


class BrowserResource(dg.ConfigurableResource):
    """One Chromium per run process; a fresh context per submission."""

    chromium_path: str | None = None
    headless: bool = True
    step_timeout_ms: int = 15_000
    navigation_timeout_ms: int = 20_000
    production: bool = False

    def options(self) -> BrowserOptions:
        return BrowserOptions(chromium_path=self.chromium_path, headless=self.headless,
                              step_timeout_ms=self.step_timeout_ms,
                              navigation_timeout_ms=self.navigation_timeout_ms)

    @contextlib.asynccontextmanager
    async def pool(self, allowed_urls: Sequence[str]) -> AsyncIterator[BrowserPool]:
        pool = BrowserPool(self.options(), UrlGuard(allowed_urls, production=self.production))
        async with pool:
            yield pool


class BrainResource(dg.ConfigurableResource):
    """The form brain: heuristics and learned mappings in-process, CrewAI when an LLM is configured,
    behind the brain service when DIRBOLT_BRAIN_URL is set."""

    database_url: str | None = None
    brain_url: str | None = None
    llm_model: str | None = None

    def brain(self) -> FormBrain | BrainClient:
        return build_brain(self.database_url)


class ArtifactStoreResource(dg.ConfigurableResource):
    """Proof storage: a folder, s3://bucket/prefix or supabase://bucket/prefix."""

    uri: str
    s3_endpoint_url: str | None = None

    def artifacts(self) -> ArtifactStore:
        return artifact_store_from_uri(self.uri, s3_endpoint_url=self.s3_endpoint_url or None)
