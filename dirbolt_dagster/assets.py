"""Job-partitioned assets: the plan of a job and its submissions."""


import asyncio
import uuid

import dagster as dg

from dirbolt_core.catalog import plan_directories
from dirbolt_core.heartbeat import Heartbeat, new_worker_id
from dirbolt_core.idempotency import idempotency_key
from dirbolt_core.runner.engine import JobRunner
from dirbolt_core.vocabulary import JobStatus
from dirbolt_dagster.partitions import jobs_partitions
from dirbolt_dagster.reporting import submission_metadata
from dirbolt_dagster.resources import ArtifactStoreResource, BrainResource, BrowserResource, StoreResource

BROWSER_POOL = "browser"


def _job_id(context: dg.AssetExecutionContext) -> uuid.UUID:
    try:
        return uuid.UUID(context.partition_key)
    except ValueError as exc:
        raise dg.Failure(f"partition {context.partition_key!r} is not a job id") from exc


@dg.asset(
    partitions_def=jobs_partitions,
    group_name="submissions",
    description="The directories a job submits to: its package, best first, pre-written as pending rows.",
    kinds={"postgres"},
)
def job_plan(context: dg.AssetExecutionContext, store: StoreResource) -> dg.MaterializeResult:
    db = store.store
    job_id = _job_id(context)
    job = db.job(job_id)
    if job is None:
        raise dg.Failure(f"job {job_id} is not in the system of record")
    db.set_job_status(job_id, JobStatus.RUNNING, run_id=context.run_id, actor=f"run:{context.run_id}")
    existing = db.planned_directory_ids(job_id)
    if existing:
        planned_ids = existing
        context.log.info(f"job {job_id}: reusing its plan of {len(existing)} directories")
    else:
        directories = plan_directories(db.directories(), job.package_size)
        db.save_plan(job_id, [(idempotency_key(job_id, d.id, job.business_data), d) for d in directories],
                     actor=f"run:{context.run_id}")
        planned_ids = [d.id for d in directories]
        context.log.info(f"job {job_id}: planned {len(planned_ids)} of {job.package_size} directories")
    return dg.MaterializeResult(metadata={
        "planned": len(planned_ids),
        "package_size": job.package_size,
        "priority": job.priority.value,
        "shortfall": max(0, job.package_size - len(planned_ids)),
    })


@dg.asset(
    partitions_def=jobs_partitions,
    deps=[job_plan],
    group_name="submissions",
    description="Every planned directory submitted once, with proof; a rerun submits only what is left.",
    kinds={"playwright", "postgres"},
    pool=BROWSER_POOL,
)
def submissions(
    context: dg.AssetExecutionContext,
    store: StoreResource,
    browser: BrowserResource,
    brain: BrainResource,
    artifacts: ArtifactStoreResource,
) -> dg.MaterializeResult:
    db = store.store
    job_id = _job_id(context)
    job = db.job(job_id)
    if job is None:
        raise dg.Failure(f"job {job_id} is not in the system of record")
    by_id = {d.id: d for d in db.directories(active_only=False)}
    planned = [by_id[i] for i in db.planned_directory_ids(job_id) if i in by_id]
    allowed = [str(d.submission_url) for d in by_id.values()]
    worker_id = new_worker_id("run")
    heartbeat = Heartbeat(db, worker_id, interval_s=_heartbeat_seconds(), run_id=context.run_id,
                          job_id=str(job_id)).start()

    def on_progress(done: int, total: int, report) -> None:
        context.log.info(f"[{done}/{total}] {report.directory_id}: {report.status.value}"
                         f"{' (already recorded)' if not report.submitted_now else ''}")

    async def run() -> None:
        async with browser.pool(allowed) as pool:
            runner = JobRunner(store=db, artifacts=artifacts.artifacts(), brain=brain.brain(), pool=pool,
                               worker_id=worker_id, run_id=context.run_id, heartbeat=heartbeat,
                               step_timeout_ms=browser.step_timeout_ms)
            await runner.run_job(job, planned, on_progress=on_progress)

    try:
        with db.job_lock(job_id):
            asyncio.run(run())
    finally:
        heartbeat.stop("idle")
    results = db.results(job_id)
    db.set_job_status(job_id, JobStatus.COMPLETED, run_id=context.run_id, actor=f"run:{context.run_id}")
    return dg.MaterializeResult(metadata=submission_metadata(results))


def _heartbeat_seconds() -> float:
    from dirbolt_core.settings import get_settings

    return get_settings().heartbeat_seconds
