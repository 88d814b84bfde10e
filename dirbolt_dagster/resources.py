"""Typed, injected resources shared by every concern: the system of record, the queue, the browser,
the brain, proof storage.

Each is configured from `Settings` (see `build_resources`; secrets as `dg.EnvVar`, resolved at run
time and never shown in the UI) and builds its part through the composition root, so what a field
says in the UI is what the part does.
"""

from __future__ import annotations

from typing import Any

import dagster as dg
from pydantic import PrivateAttr

from dirbolt_core import composition
from dirbolt_core.artifacts import ArtifactStore
from dirbolt_core.brain.client import BrainClient
from dirbolt_core.brain.mapper import FormBrain
from dirbolt_core.db.store import Store
from dirbolt_core.queue.sqs import JobQueue
from dirbolt_core.runner.browser import BrowserOptions
from dirbolt_core.settings import Settings, get_settings


def _settings(**overrides: Any) -> Settings:
    return get_settings().with_overrides(**overrides)


class StoreResource(dg.ConfigurableResource):
    """PostgreSQL / Supabase system of record (one pool per process, every repository over it)."""

    database_url: str
    pool_max_size: int = 10

    _store: Store | None = PrivateAttr(default=None)

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = composition.open_store(get_settings(), dsn=self.database_url, max_size=self.pool_max_size)
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
            queue = composition.job_queue(_settings(
                sqs_endpoint_url=self.endpoint_url or None, aws_region=self.region, sqs_queue_name=self.queue_name,
                sqs_dlq_name=self.dlq_name, sqs_max_receive_count=self.max_receive_count))
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

    def settings(self) -> Settings:
        return _settings(chromium_path=self.chromium_path, headless=self.headless,
                         step_timeout_ms=self.step_timeout_ms, navigation_timeout_ms=self.navigation_timeout_ms,
                         env="production" if self.production else "dev")

    def options(self) -> BrowserOptions:
        return composition.browser_options(self.settings())


class BrainResource(dg.ConfigurableResource):
    """The form brain: heuristics and learned mappings in-process (over the store's pool), CrewAI when
    an LLM model (and its key, from the environment) is configured, behind the brain service when
    `brain_url` is set."""

    brain_url: str | None = None
    brain_api_key: str | None = None
    brain_timeout_s: float = 5.0
    llm_model: str | None = None
    llm_base_url: str | None = None
    llm_timeout_s: float = 30.0

    def brain(self, store: Store | None = None) -> FormBrain | BrainClient:
        settings = _settings(brain_url=self.brain_url or None, brain_api_key=self.brain_api_key or None,
                             brain_timeout_s=self.brain_timeout_s, llm_model=self.llm_model or None,
                             llm_base_url=self.llm_base_url or None, llm_timeout_s=self.llm_timeout_s)
        return composition.build_brain(settings, store=store)


class ArtifactStoreResource(dg.ConfigurableResource):
    """Proof storage: a folder, s3://bucket/prefix or supabase://bucket/prefix."""

    uri: str
    s3_endpoint_url: str | None = None
    supabase_url: str | None = None
    supabase_service_key: str | None = None

    def artifacts(self) -> ArtifactStore:
        return composition.artifact_store(_settings(
            s3_endpoint_url=self.s3_endpoint_url or None, supabase_url=self.supabase_url or None,
            supabase_service_key=self.supabase_service_key or None), uri=self.uri)


class MailboxResource(dg.ConfigurableResource):
    """The agency's mailbox: IMAP (`imap_url`, a secret) or the local Maildir the SMTP receiver fills."""

    imap_url: str | None = None
    maildir: str | None = None
    timeout_h: float = 48.0

    def mailbox(self):
        return composition.mailbox(_settings(imap_url=self.imap_url or None, maildir=self.maildir or None))


def _secret(name: str, value: object) -> dg.EnvVar | None:
    """A secret the settings hold, passed as its variable (resolved at run time, never shown)."""
    return dg.EnvVar(name) if value is not None else None


def build_resources(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    return {
        "mailbox": MailboxResource(imap_url=_secret("DIRBOLT_IMAP_URL", settings.imap_url),
                                   maildir=str(settings.resolved_maildir()),
                                   timeout_h=settings.verification_timeout_h),
        "store": StoreResource(database_url=dg.EnvVar("DIRBOLT_DATABASE_URL")),
        "queue": QueueResource(
            endpoint_url=settings.sqs_endpoint_url,
            region=settings.aws_region,
            queue_name=settings.sqs_queue_name,
            dlq_name=settings.sqs_dlq_name,
            max_receive_count=settings.sqs_max_receive_count,
        ),
        "browser": BrowserResource(
            chromium_path=settings.chromium_path,
            headless=settings.headless,
            step_timeout_ms=settings.step_timeout_ms,
            navigation_timeout_ms=settings.navigation_timeout_ms,
            production=settings.production,
        ),
        "brain": BrainResource(
            brain_url=settings.brain_url,
            brain_api_key=_secret("DIRBOLT_BRAIN_API_KEY", settings.brain_api_key),
            brain_timeout_s=settings.brain_timeout_s,
            llm_model=settings.llm_model,
            llm_base_url=settings.llm_base_url,
            llm_timeout_s=settings.llm_timeout_s,
        ),
        "artifacts": ArtifactStoreResource(
            uri=settings.resolved_artifacts_uri(),
            s3_endpoint_url=settings.s3_endpoint_url,
            supabase_url=settings.supabase_url,
            supabase_service_key=_secret("SUPABASE_SERVICE_KEY", settings.supabase_service_key),
        ),
    }
