"""The composition root: every long-lived part of the platform, built from `Settings` in one place.

The CLI, the Dagster resources, the brain service and the benchmarks build their parts here, so
a part is configured the same way whoever runs it:

    open_store       the system of record (one pool; repositories per aggregate)
    job_queue        the SQS jobs queue and its DLQ
    browser_options  how Chromium is started and how long each step may take
    artifact_store   proof storage (folder, s3://, supabase://)
    build_brain      the form brain: heuristics + learned mappings (+ CrewAI), behind its service if set
    directory_credentials  sign-in credentials of login-required directories (the secret store)
    run_context      what a job run needs: all of the above but the store
    probe_run        what probing directories needs (the same parts, N directories at a time)
    brain_service    the brain service's ASGI app
    mailbox          the agency's mailbox for confirmation mails (IMAP, else the local Maildir)
"""

from __future__ import annotations

import uuid
from typing import Any

from dirbolt_core.artifacts import ArtifactStore, artifact_store_from_uri
from dirbolt_core.brain.client import BrainClient
from dirbolt_core.brain.mapper import FormBrain
from dirbolt_core.db.store import Store
from dirbolt_core.directories.credentials import CredentialStore
from dirbolt_core.jobs import RunContext
from dirbolt_core.queue.sqs import JobQueue
from dirbolt_core.runner.browser import BrowserOptions
from dirbolt_core.runner.probing import ProbeRun
from dirbolt_core.settings import Settings


def database_url(settings: Settings) -> str:
    """The configured system of record, else the embedded PostgreSQL under DIRBOLT_HOME (started now)."""
    if settings.database_url is not None:
        return settings.database_url.get_secret_value()
    from dirbolt_core.db.embedded import start_embedded_postgres

    return start_embedded_postgres(settings.home / "pgdata")


def open_store(settings: Settings, *, dsn: str | None = None, max_size: int = 10) -> Store:
    return Store(dsn or database_url(settings), max_size=max_size)


def job_queue(settings: Settings, *, endpoint_url: str | None = None) -> JobQueue:
    return JobQueue(endpoint_url=endpoint_url or settings.sqs_endpoint_url, region=settings.aws_region,
                    queue_name=settings.sqs_queue_name, dlq_name=settings.sqs_dlq_name,
                    max_receive_count=settings.sqs_max_receive_count)


def browser_options(settings: Settings) -> BrowserOptions:
    return BrowserOptions(chromium_path=settings.chromium_path, headless=settings.headless,
                          step_timeout_ms=settings.step_timeout_ms,
                          navigation_timeout_ms=settings.navigation_timeout_ms,
                          block_resource_types=settings.blocked_resource_types())


def artifact_store(settings: Settings, *, uri: str | None = None) -> ArtifactStore:
    key = settings.supabase_service_key
    return artifact_store_from_uri(uri or settings.resolved_artifacts_uri(), s3_endpoint_url=settings.s3_endpoint_url,
                                   supabase_url=settings.supabase_url,
                                   supabase_service_key=key.get_secret_value() if key else None)


def build_brain(settings: Settings, *, store: Store | None = None) -> FormBrain | BrainClient:
    """In-process heuristics + learned mappings (over `store`'s pool; none without a store) + CrewAI
    when an LLM is configured; behind the brain service when DIRBOLT_BRAIN_URL is set, falling back
    to the in-process brain."""
    brain = FormBrain.from_settings(settings, learned_store=store.learned if store is not None else None)
    if settings.brain_url:
        return BrainClient.from_settings(settings, fallback=brain)
    return brain


def directory_credentials(settings: Settings) -> CredentialStore:
    """Per-directory sign-in credentials from DIRBOLT_DIRECTORY_CREDENTIALS and DIRBOLT_CREDENTIALS_FILE."""
    return CredentialStore.from_settings(settings)


def run_context(settings: Settings, *, store: Store | None, run_id: str | None = None,
                brain: FormBrain | BrainClient | None = None, artifacts: ArtifactStore | None = None,
                browser: BrowserOptions | None = None, credentials: CredentialStore | None = None) -> RunContext:
    """What run_submissions needs; parts not given are built from the settings."""
    return RunContext(
        artifacts=artifact_store(settings) if artifacts is None else artifacts,
        brain=build_brain(settings, store=store) if brain is None else brain,
        browser=browser_options(settings) if browser is None else browser,
        production=settings.production,
        run_id=run_id or f"run-{uuid.uuid4().hex[:8]}",
        heartbeat_s=settings.heartbeat_seconds,
        step_timeout_ms=settings.step_timeout_ms,
        credentials=directory_credentials(settings) if credentials is None else credentials,
    )


def probe_run(settings: Settings, *, store: Store | None, actor: str, concurrency: int | None = None,
              brain: FormBrain | BrainClient | None = None, artifacts: ArtifactStore | None = None,
              browser: BrowserOptions | None = None, credentials: CredentialStore | None = None) -> ProbeRun:
    """A probing round configured like the platform's runs (browser, brain, proof storage, secrets)."""
    return ProbeRun(
        artifacts=artifact_store(settings) if artifacts is None else artifacts,
        brain=build_brain(settings, store=store) if brain is None else brain,
        browser=browser_options(settings) if browser is None else browser,
        production=settings.production,
        credentials=directory_credentials(settings) if credentials is None else credentials,
        concurrency=concurrency or settings.probe_concurrency,
        actor=actor,
    )


def brain_service(settings: Settings) -> Any:
    """The brain service's app: learned mappings when a system of record is configured."""
    from dirbolt_core.brain.llm import CrewOutcomeAnalyzer
    from dirbolt_core.brain.service import create_app

    db = open_store(settings, max_size=4) if settings.database_url is not None else None
    brain = FormBrain.from_settings(settings, learned_store=db.learned if db is not None else None)
    return create_app(brain=brain, analyzer=CrewOutcomeAnalyzer.from_settings(settings), settings=settings)


def mailbox(settings: Settings):
    """The agency's mailbox: IMAP when DIRBOLT_IMAP_URL is set, else the Maildir the local SMTP receiver fills."""
    from dirbolt_core.mail.mailbox import ImapMailbox, MaildirMailbox

    if settings.imap_url is not None:
        return ImapMailbox(settings.imap_url.get_secret_value())
    return MaildirMailbox(settings.resolved_maildir())
