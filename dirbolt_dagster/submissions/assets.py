"""Job-partitioned assets: the plan of a job and its submissions."""

import asyncio
import logging
import time
import uuid

import dagster as dg

from dirbolt_core import composition
from dirbolt_core.faults import failpoint_sync
from dirbolt_core.jobs import JobNotFound, plan_job, run_submissions
from dirbolt_core.logs import ProgressThrottle, progress_line
from dirbolt_core.runner.engine import DirectoryReport
from dirbolt_dagster.partitions import jobs_partitions
from dirbolt_dagster.reporting import submission_metadata
from dirbolt_dagster.resources import ArtifactStoreResource, BrainResource, BrowserResource, StoreResource
from dirbolt_dagster.submissions.checks import (
    PACKAGE_FILLED,
    duplicates_check,
    p95_latency_check,
    package_filled_check,
    submission_check_specs,
    success_rate_check,
)

# Concurrency pool for browser slots (limit in dagster.yaml `concurrency.pools`).
BROWSER_POOL = "browser"

progress_log = logging.getLogger("dirbolt_dagster.progress")
# Per-submission progress in the run's event log (the UI): every line would be one event-log
# write on the event loop that drives the run's browser; the UI shows one every 10 s, the last
# and every submission that did not go through. All of them go to the run's stderr.
PROGRESS_EVENT_EVERY_S = 10.0


def _job_id(context: dg.AssetExecutionContext) -> uuid.UUID:
    try:
        return uuid.UUID(context.partition_key)
    except ValueError as exc:
        raise dg.Failure(f"partition {context.partition_key!r} is not a job id") from exc


@dg.asset(
    partitions_def=jobs_partitions,
    group_name="submissions",
    description="The directories a job submits to: its package, best first, pre-written as pending rows. "
                "Only ready directories (and login-required ones with credentials) are planned.",
    kinds={"postgres"},
    check_specs=[dg.AssetCheckSpec(PACKAGE_FILLED, asset="job_plan", partitions_def=jobs_partitions,
                                   description="The package's size was planned in full (no shortfall of "
                                               "ready directories).")],
)
def job_plan(context: dg.AssetExecutionContext, store: StoreResource) -> dg.MaterializeResult:
    job_id = _job_id(context)
    try:
        plan = plan_job(store.store, job_id, actor=f"run:{context.run_id}")
    except JobNotFound as exc:
        raise dg.Failure(str(exc)) from exc
    context.log.info(f"job {job_id}: {'reusing its plan of' if plan.reused else 'planned'} "
                     f"{len(plan.directory_ids)} of {plan.package_size} directories")
    if plan.short_by:
        context.log.warning(f"job {job_id}: short by {plan.short_by}: {plan.shortfall or 'see the plan'}")
    return dg.MaterializeResult(metadata={
        "planned": len(plan.directory_ids),
        "package_size": plan.package_size,
        "reused_plan": plan.reused,
        "short_by": plan.short_by,
    }, check_results=[package_filled_check(package_size=plan.package_size, planned=len(plan.directory_ids),
                                           short_by=plan.short_by, shortfall=plan.shortfall)])


@dg.asset(
    partitions_def=jobs_partitions,
    deps=[job_plan],
    group_name="submissions",
    description="Every planned directory submitted once, with proof; a rerun submits only what is left.",
    kinds={"playwright", "postgres"},
    pool=BROWSER_POOL,
    check_specs=submission_check_specs(dg.AssetKey("submissions"), jobs_partitions),
)
def submissions(
    context: dg.AssetExecutionContext,
    store: StoreResource,
    browser: BrowserResource,
    brain: BrainResource,
    artifacts: ArtifactStoreResource,
) -> dg.MaterializeResult:
    job_id = _job_id(context)
    failpoint_sync("submissions_start")  # fault injection (tests/chaos): a run process that dies here
    ctx = composition.run_context(browser.settings(), store=store.store, run_id=context.run_id,
                                  brain=brain.brain(store.store), artifacts=artifacts.artifacts())

    started = time.monotonic()
    throttle = ProgressThrottle(PROGRESS_EVENT_EVERY_S)

    def on_progress(done: int, total: int, report: DirectoryReport) -> None:
        line = progress_line(done, total, report.directory_id, report.status.value, reason=report.reason,
                             already_recorded=not report.submitted_now, elapsed_s=time.monotonic() - started)
        progress_log.info(line)  # every one, to the run's stderr (JSON)
        if throttle.due(done, total, notable=not report.status.is_success):
            context.log.info(line)

    try:
        asyncio.run(run_submissions(store.store, job_id, ctx, on_progress=on_progress))
    except JobNotFound as exc:
        raise dg.Failure(str(exc)) from exc
    results = store.store.submissions.results(job_id)
    return dg.MaterializeResult(
        metadata=submission_metadata(results),
        check_results=[success_rate_check(results), p95_latency_check(results),
                       duplicates_check(store.store.submissions.duplicates(job_id))],
    )
