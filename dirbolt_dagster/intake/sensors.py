"""The SQS intake sensor: reads job messages, makes each job durable, requests one run per job."""

import json

import dagster as dg

from dirbolt_core.intake import intake_batch
from dirbolt_core.settings import get_settings
from dirbolt_core.vocabulary import JobStatus, Priority
from dirbolt_dagster.intake.assets import JOBS_QUEUE
from dirbolt_dagster.partitions import jobs_partitions
from dirbolt_dagster.resources import QueueResource, StoreResource
from dirbolt_dagster.submissions.jobs import submit_job

# Read when the code location loads: the interval is part of the sensor's definition.
_settings = get_settings()
# A sensor tick must finish well inside Dagster's 60 s evaluation timeout.
MAX_MESSAGES_PER_TICK = _settings.sensor_max_messages
TICK_BUDGET_S = _settings.sensor_tick_budget_s


def run_tags(priority: Priority) -> dict[str, str]:
    return {
        "dirbolt/priority": priority.value,
        # QueuedRunCoordinator dequeues higher values first: enterprise before starter.
        "dagster/priority": str(priority.rank * 10),
    }


@dg.sensor(
    job=submit_job,
    minimum_interval_seconds=_settings.sensor_interval_s,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Reads job messages from SQS; registers a partition and requests one run per job.",
)
def sqs_jobs_sensor(context: dg.SensorEvaluationContext, store: StoreResource,
                    queue: QueueResource) -> dg.SensorResult:
    db = store.store
    batch = intake_batch(db, queue.queue, actor=f"sensor:{context.sensor_name}",
                         max_messages=MAX_MESSAGES_PER_TICK, time_budget_s=TICK_BUDGET_S)
    # Every queued job gets a run request, not only this tick's: a tick whose requests
    # were lost after the messages were deleted is repaired by the next one. Dagster
    # drops a request whose run_key already has a run, so this is idempotent.
    queued = db.jobs.with_status(JobStatus.QUEUED, limit=MAX_MESSAGES_PER_TICK)
    keys = [str(job_id) for job_id in queued]
    new_keys = [k for k in keys if not context.instance.has_dynamic_partition(jobs_partitions.name, k)]
    run_requests = []
    for key in keys:
        job = db.jobs.get(key)
        if job is None:
            continue
        run_requests.append(dg.RunRequest(run_key=key, partition_key=key,
                                          tags={**run_tags(job.priority), "dirbolt/job_id": key}))
    cursor = json.loads(context.cursor) if context.cursor else {"received": 0, "accepted": 0, "dead_lettered": 0}
    cursor["received"] += batch.received
    cursor["accepted"] += len(batch.accepted)
    cursor["dead_lettered"] += len(batch.rejected)
    for d in batch.rejected:
        context.log.warning(f"dead-lettered message {d.message_id}: {d.reason}")
    events = []
    if batch.received:
        context.log.info(f"received {batch.received}, accepted {len(batch.accepted)}, dead-lettered "
                         f"{len(batch.rejected)} in {batch.elapsed_s:.2f}s; {len(run_requests)} run requests")
        depth = queue.queue.depth()
        events.append(dg.AssetObservation(asset_key=JOBS_QUEUE, metadata={
            "received": batch.received,
            "accepted": len(batch.accepted),
            "duplicates": sum(1 for d in batch.accepted if not d.newly_queued),
            "dead_lettered": len(batch.rejected),
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
