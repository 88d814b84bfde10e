"""Job-partitioned assets: the plan of a job and its submissions (shards, one step each)."""

import asyncio
import logging
import time
import uuid

import dagster as dg

from dirbolt_core import composition
from dirbolt_core.faults import failpoint_sync
from dirbolt_core.jobs import JobNotFound, complete_job, plan_job, run_submissions
from dirbolt_core.logs import ProgressThrottle, progress_line
from dirbolt_core.runner.engine import DirectoryReport
from dirbolt_core.settings import get_settings
from dirbolt_core.shards import Shard, cut
from dirbolt_dagster.partitions import jobs_partitions
from dirbolt_dagster.reporting import artifact_links, submission_metadata
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


def _job_id(context: dg.AssetExecutionContext | dg.OpExecutionContext) -> uuid.UUID:
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
        plan = plan_job(store.store, job_id, actor=f"run:{context.run_id}", run_id=context.run_id)
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
        "directories": dg.MetadataValue.md(_planned_markdown(plan.directory_ids)),
    }, check_results=[package_filled_check(package_size=plan.package_size, planned=len(plan.directory_ids),
                                           short_by=plan.short_by, shortfall=plan.shortfall)])


def _planned_markdown(directory_ids: list[str]) -> str:
    """The planned directories, in plan order (best first), as the UI's job_plan metadata."""
    return "\n".join(f"{n}. {d}" for n, d in enumerate(directory_ids, start=1)) or "none planned"


SUBMISSION_CHECKS = submission_check_specs(dg.AssetKey("submissions"), jobs_partitions)


@dg.op(ins={"plan": dg.In(dg.Nothing)}, out=dg.DynamicOut(dg.Nothing),
       description="Cuts the job's plan into shards of at most DIRBOLT_SHARD_SIZE directories, one step each.")
def plan_shards(context: dg.OpExecutionContext, store: StoreResource):
    job_id = _job_id(context)
    planned = len(store.store.submissions.planned_directory_ids(job_id))
    shards = cut(planned, get_settings().shard_size)
    context.log.info(f"job {job_id}: {planned} directories in {len(shards)} shard(s)")
    # No value travels between steps (each shard reads its slice from the plan in PostgreSQL), so
    # steps on other hosts need no shared IO storage.
    for shard in shards:
        yield dg.DynamicOutput(None, mapping_key=shard.key)


@dg.op(ins={"shard": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing), pool=BROWSER_POOL,
       description="Submits one shard of the job with its own Chromium; other shards may run on other hosts.")
def submit_shard(
    context: dg.OpExecutionContext,
    store: StoreResource,
    browser: BrowserResource,
    brain: BrainResource,
    artifacts: ArtifactStoreResource,
) -> None:
    job_id = _job_id(context)
    shard = Shard.from_key(context.get_mapping_key() or "1_of_1")
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
            context.log.info(f"shard {shard.key} {line}")

    try:
        summary = asyncio.run(run_submissions(store.store, job_id, ctx, on_progress=on_progress, shard=shard))
    except JobNotFound as exc:
        raise dg.Failure(str(exc)) from exc
    context.log.info(f"shard {shard.key} of job {job_id} done: {summary.counts}")


@dg.op(ins={"shards": dg.In(dg.Nothing)},
       out={"result": dg.Out(dg.Nothing),
            **{spec.get_python_identifier(): dg.Out(dg.Nothing) for spec in SUBMISSION_CHECKS}},
       description="After every shard: completes the job and evaluates the checks over all its results.")
def finish_submissions(context: dg.OpExecutionContext, store: StoreResource, artifacts: ArtifactStoreResource):
    job_id = _job_id(context)
    complete_job(store.store, job_id, run_id=context.run_id, actor=f"run:{context.run_id}")
    results = store.store.submissions.results(job_id)
    yield dg.MaterializeResult(
        metadata=submission_metadata(results, artifact_links(artifacts.artifacts())),
        check_results=[success_rate_check(results), p95_latency_check(results),
                       duplicates_check(store.store.submissions.duplicates(job_id))],
    )


@dg.graph_asset(
    partitions_def=jobs_partitions,
    ins={"job_plan": dg.AssetIn(dagster_type=dg.Nothing)},
    group_name="submissions",
    description="Every planned directory submitted once, with proof; a rerun submits only what is left. "
                "Runs as shards (steps `submit_shard[i_of_n]`) that the executor may place on several hosts.",
    kinds={"playwright", "postgres"},
    check_specs=SUBMISSION_CHECKS,
)
def submissions(job_plan):
    shards = plan_shards(job_plan)
    return finish_submissions(shards.map(submit_shard).collect())
