"""The SQS intake sensor: relays the outbox, reads job messages, makes each job durable, requests one
run per queued job that has none."""

import json
import uuid

import dagster as dg

from dirbolt_core.db.store import Store
from dirbolt_core.intake import intake_batch
from dirbolt_core.jobs import relay_outbox
from dirbolt_core.settings import get_settings
from dirbolt_dagster.intake.assets import JOBS_QUEUE
from dirbolt_dagster.partitions import jobs_partitions
from dirbolt_dagster.resources import QueueResource, StoreResource
from dirbolt_dagster.submissions.jobs import submit_job
from dirbolt_dagster.tags import PARTITION_TAG, job_run_tags

# Read when the code location loads: the interval is part of the sensor's definition.
_settings = get_settings()
# A sensor tick must finish well inside Dagster's 60 s evaluation timeout.
MAX_MESSAGES_PER_TICK = _settings.sensor_max_messages
TICK_BUDGET_S = _settings.sensor_tick_budget_s
RUN_KEY_TAG = "dagster/run_key"
_LOOKUP_CHUNK = 500


def is_daemon_tick(context: dg.SensorEvaluationContext) -> bool:
    """True for a tick the daemon evaluates; False for a preview ("Preview tick result" in the UI, the
    GraphQL sensorDryRun, `dagster sensor preview`). The daemon names a tick's logs by its tick id; a
    preview is evaluated without one (Dagster then makes a log key from the time)."""
    key = context.log_key or []
    return bool(key) and str(key[-1]).isdigit()


def runs_to_request(instance: dg.DagsterInstance, queued: list[tuple[uuid.UUID, str]], *, limit: int
                    ) -> list[tuple[uuid.UUID, str]]:
    """The queued jobs (oldest first) that have no run for their run key and no unfinished run, at
    most `limit`: jobs stuck ahead (runs waiting in Dagster's queue, whatever holds them) never hide
    a job behind them."""
    wanted: list[tuple[uuid.UUID, str]] = []
    for start in range(0, len(queued), _LOOKUP_CHUNK):
        chunk = queued[start:start + _LOOKUP_CHUNK]
        runs = instance.get_runs(filters=dg.RunsFilter(tags={PARTITION_TAG: [str(j) for j, _ in chunk]}))
        busy: set[str] = set()
        for run in runs:
            partition = run.tags.get(PARTITION_TAG, "")
            if not run.is_finished or run.tags.get(RUN_KEY_TAG) in {k for j, k in chunk if str(j) == partition}:
                busy.add(partition)
        wanted.extend((j, k) for j, k in chunk if str(j) not in busy)
        if len(wanted) >= limit:
            break
    return wanted[:limit]


def _preview(context: dg.SensorEvaluationContext, db: Store, queue) -> dg.SkipReason:
    """What a tick would do, without doing any of it: no message is taken or deleted, no job marked,
    no outbox row sent."""
    depth = queue.depth()
    waiting = runs_to_request(context.instance, db.jobs.queued_run_keys(), limit=MAX_MESSAGES_PER_TICK)
    return dg.SkipReason(
        f"preview only (nothing taken): {depth['visible']} message(s) waiting on the queue, "
        f"{depth['in_flight']} in flight, {depth['dlq']} on the DLQ; {db.outbox.unsent()} unsent in the outbox; "
        f"a tick would request runs for {len(waiting)} queued job(s) without one")


@dg.sensor(
    job=submit_job,
    minimum_interval_seconds=_settings.sensor_interval_s,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Sends the outbox, reads job messages from SQS; registers a partition and requests one run per "
                "queued job without one. A preview (\"Preview tick result\") only says what a tick would do.",
)
def sqs_jobs_sensor(context: dg.SensorEvaluationContext, store: StoreResource,
                    queue: QueueResource) -> dg.SensorResult | dg.SkipReason:
    db = store.store
    if not is_daemon_tick(context):
        return _preview(context, db, queue.queue)
    actor = f"sensor:{context.sensor_name}"
    relayed = relay_outbox(db, queue.queue, actor=actor)
    if relayed.error:
        context.log.warning(f"outbox: {len(relayed.failed)} message(s) not sent: {relayed.error}")
    batch = intake_batch(db, queue.queue, actor=actor,
                         max_messages=MAX_MESSAGES_PER_TICK, time_budget_s=TICK_BUDGET_S,
                         wait_s=_settings.sensor_wait_s)
    # Every queued job without a run gets a request, not only this tick's: a tick whose requests
    # were lost after the messages were deleted is repaired by the next one, and however many jobs
    # wait ahead with runs of their own, a new job is reached.
    wanted = runs_to_request(context.instance, db.jobs.queued_run_keys(), limit=MAX_MESSAGES_PER_TICK)
    keys = [str(job_id) for job_id, _ in wanted]
    new_keys = [k for k in keys if not context.instance.has_dynamic_partition(jobs_partitions.name, k)]
    run_requests = []
    for job_id, key in wanted:
        job = db.jobs.get(job_id)
        if job is None:
            continue
        run_requests.append(dg.RunRequest(run_key=key, partition_key=str(job_id), tags=job_run_tags(job)))
    cursor = json.loads(context.cursor) if context.cursor else {"received": 0, "accepted": 0, "dead_lettered": 0}
    cursor["received"] += batch.received
    cursor["accepted"] += len(batch.accepted)
    cursor["dead_lettered"] += len(batch.rejected)
    for d in batch.rejected:
        context.log.warning(f"dead-lettered message {d.message_id}: {d.reason}")
    events = []
    if batch.received or relayed.sent or relayed.failed:
        context.log.info(f"received {batch.received}, accepted {len(batch.accepted)}, dead-lettered "
                         f"{len(batch.rejected)} in {batch.elapsed_s:.2f}s; {len(run_requests)} run requests")
        depth = queue.queue.depth()
        events.append(dg.AssetObservation(asset_key=JOBS_QUEUE, metadata={
            "received": batch.received,
            "accepted": len(batch.accepted),
            "duplicates": sum(1 for d in batch.accepted if not d.newly_queued),
            "dead_lettered": len(batch.rejected),
            "outbox_sent": len(relayed.sent),
            "outbox_failed": len(relayed.failed),
            "tick_seconds": round(batch.elapsed_s, 3),
            "queue_visible": depth["visible"],
            "queue_in_flight": depth["in_flight"],
            "dlq_depth": depth["dlq"],
            "received_total": cursor["received"],
        }))
    return dg.SensorResult(
        run_requests=run_requests,
        dynamic_partitions_requests=[jobs_partitions.build_add_request(new_keys)] if new_keys else [],
        asset_events=events,
        cursor=json.dumps(cursor),
    )
