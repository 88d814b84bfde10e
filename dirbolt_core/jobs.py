"""A job's life in the domain: plan its directories, run its submissions. Dagster-free."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from dirbolt_core.artifacts import ArtifactStore
from dirbolt_core.brain.protocols import Brain
from dirbolt_core.db.leases import WorkerLease
from dirbolt_core.db.outbox import RelayResult
from dirbolt_core.db.store import Store
from dirbolt_core.directories.credentials import CredentialStore
from dirbolt_core.directories.readiness import plan_directories, shortfall_reason
from dirbolt_core.heartbeat import Heartbeat, new_worker_id
from dirbolt_core.idempotency import idempotency_key
from dirbolt_core.logs import log_context
from dirbolt_core.migration.routing import decide_routing
from dirbolt_core.models import Directory, Job
from dirbolt_core.runner.browser import BrowserOptions, BrowserPool
from dirbolt_core.runner.engine import DirectoryReport, JobRunner, JobRunSummary
from dirbolt_core.runner.guard import UrlGuard
from dirbolt_core.shards import Shard
from dirbolt_core.vocabulary import JobStatus, Priority

if TYPE_CHECKING:
    from dirbolt_core.queue.sqs import JobQueue

log = logging.getLogger(__name__)


class JobNotFound(LookupError):
    pass


class InvalidJobData(ValueError):
    """The job's business data in the system of record is not a valid profile: no run can do it."""


@dataclass
class Plan:
    directory_ids: list[str]
    reused: bool
    package_size: int
    routing: str = "live"
    # Directories the package lacks (only `ready` directories, and login-required ones with
    # credentials, are planned); recorded on the job, shown by the report and `dirbolt results`.
    short_by: int = 0
    shortfall: str | None = None


def plan_job(store: Store, job_id: uuid.UUID, *, actor: str, credentials: CredentialStore | None = None,
             run_id: str | None = None) -> Plan:
    """Mark the job running (by `run_id`) and pre-write its plan; a rerun reuses the stored plan."""
    job = store.jobs.get(job_id)
    if job is None:
        raise JobNotFound(f"job {job_id} is not in the system of record")
    store.jobs.set_status(job_id, JobStatus.RUNNING, actor=actor, run_id=run_id)
    try:
        job.profile  # noqa: B018 - validates the business data before anything is planned or typed
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors()[:5])
        raise InvalidJobData(f"job {job_id} has invalid business data ({fields})") from None
    # Decided once and recorded: a job never changes mode half-way, whatever the rollout does.
    routing = decide_routing(store, job_id, actor=actor)
    existing = store.submissions.planned_directory_ids(job_id)
    if existing:
        short_by = job.short_by if job.short_by is not None else max(0, job.package_size - len(existing))
        return Plan(existing, reused=True, package_size=job.package_size, routing=routing, short_by=short_by)
    credentials = credentials if credentials is not None else CredentialStore.from_settings()
    plan = plan_directories(store.directories.states(), job.package_size, credential_ids=credentials.ids())
    shortfall = shortfall_reason(plan)
    mode = "shadow" if routing == "shadow" else "live"
    store.submissions.save_plan(job_id, [(idempotency_key(job_id, d.id, job.business_data, mode=mode), d)
                                         for d in plan.directories], actor=actor, shadow=routing == "shadow",
                                short_by=plan.short_by, shortfall=shortfall)
    if shortfall:
        log.warning("job %s: %s", job_id, shortfall)
    return Plan([d.id for d in plan.directories], reused=False, package_size=job.package_size, routing=routing,
                short_by=plan.short_by, shortfall=shortfall)


def job_message(job_id: uuid.UUID, *, customer_id: str, package_size: int, priority: Priority) -> dict[str, Any]:
    return {"job_id": str(job_id), "customer_id": customer_id, "package_size": package_size,
            "priority": priority.value}


def relay_outbox(store: Store, queue: JobQueue, *, actor: str, limit: int = 100) -> RelayResult:
    """Send the outbox's unsent messages (oldest first) and mark them sent; what fails stays for the next
    relay (every sensor tick, the next `dirbolt enqueue`)."""
    return store.outbox.relay(queue.send, limit=limit, actor=actor)


def enqueue_job(store: Store, queue: JobQueue, *, profile: dict[str, Any], priority: Priority, package_size: int,
                customer_id: str, job_id: uuid.UUID | None = None) -> tuple[uuid.UUID, RelayResult]:
    """Store a customer's order and its message in one transaction (the outbox), then relay the message
    to the jobs queue (what the shop does on a sale). A queue that cannot be reached leaves the job and
    its unsent message in the system of record; the result says why (RelayResult.error)."""
    job_id = job_id or uuid.uuid4()
    store.jobs.create(job_id=job_id, customer_id=customer_id, package_size=package_size, priority=priority,
                      business_data=profile,
                      message=job_message(job_id, customer_id=customer_id, package_size=package_size,
                                          priority=priority))
    return job_id, relay_outbox(store, queue, actor="enqueue")


@dataclass
class RunContext:
    artifacts: ArtifactStore
    brain: Brain
    browser: BrowserOptions
    production: bool = False
    run_id: str | None = None
    heartbeat_s: float = 20.0
    step_timeout_ms: int = 15_000
    shadow: bool = False
    # Sign-in credentials of login-required directories (the secret store); read when first needed.
    credentials: CredentialStore | None = None


async def run_submissions(store: Store, job_id: uuid.UUID, ctx: RunContext, *,
                          on_progress: Callable[[int, int, DirectoryReport], None] | None = None,
                          worker_id: str | None = None, pool: BrowserPool | None = None,
                          shard: Shard | None = None) -> JobRunSummary:
    """Submit every planned directory of the job (or of one `shard` of it) that is not final yet.

    The whole job: marks it completed at the end. One shard: leaves that to `complete_job`, once
    every shard is done (they may run on other hosts at the same time). The worker holds a lease
    for the whole run: rows it claims are never taken by another live worker, and rows left in
    flight by a dead one become reclaimable (see SubmissionRepository.claim). A caller running
    many jobs may lend its browser pool; otherwise the run starts its own Chromium.
    """
    job = store.jobs.get(job_id)
    if job is None:
        raise JobNotFound(f"job {job_id} is not in the system of record")
    by_id = {d.id: d for d in store.directories.list(active_only=False)}
    planned = [by_id[i] for i in store.submissions.planned_directory_ids(job_id) if i in by_id]
    if shard is not None:
        planned = shard.select(planned)
    worker_id = worker_id or new_worker_id("run" if shard is None else f"shard{shard.key}")
    with log_context(job_id=str(job_id), run_id=ctx.run_id, worker_id=worker_id, sensitive=job.business_data):
        summary = await _run_submissions(store, job, ctx, by_id=by_id, planned=planned, worker_id=worker_id,
                                         on_progress=on_progress, pool=pool)
    if shard is None:
        complete_job(store, job_id, run_id=ctx.run_id, actor=f"worker:{worker_id}")
    return summary


def complete_job(store: Store, job_id: uuid.UUID, *, run_id: str | None, actor: str) -> None:
    """Every part of the job's submissions has run: the job is completed."""
    store.jobs.set_status(job_id, JobStatus.COMPLETED, run_id=run_id, actor=actor)


async def _run_submissions(store: Store, job: Job, ctx: RunContext, *, by_id: dict[str, Directory],
                           planned: list[Directory], worker_id: str,
                           on_progress: Callable[[int, int, DirectoryReport], None] | None,
                           pool: BrowserPool | None) -> JobRunSummary:
    job_id = job.id
    shadow = ctx.shadow or decide_routing(store, job_id, actor=f"worker:{worker_id}") == "shadow"
    heartbeat = Heartbeat(store, worker_id, interval_s=ctx.heartbeat_s, run_id=ctx.run_id, job_id=str(job_id))
    heartbeat.start()
    try:
        lease = await asyncio.to_thread(WorkerLease.acquire, store.dsn, worker_id, job_id)
        try:
            async with contextlib.AsyncExitStack() as stack:
                if pool is None:
                    guard = UrlGuard([str(d.submission_url) for d in by_id.values()], production=ctx.production)
                    pool = await stack.enter_async_context(BrowserPool(ctx.browser, guard))
                credentials = ctx.credentials if ctx.credentials is not None else CredentialStore.from_settings()
                runner = JobRunner(store=store, artifacts=ctx.artifacts, brain=ctx.brain, pool=pool,
                                   worker_id=worker_id, run_id=ctx.run_id, heartbeat=heartbeat,
                                   step_timeout_ms=ctx.step_timeout_ms, shadow=shadow, credentials=credentials)
                summary = await runner.run_job(job, planned, on_progress=on_progress)
        finally:
            lease.release()
        heartbeat.stop("idle")
    finally:
        heartbeat.retire()
    return summary
