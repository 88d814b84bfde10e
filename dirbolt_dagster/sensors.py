"""Sensors: SQS intake, dead-lettering of jobs whose runs failed for good, platform health alerts."""

import json
import os

import dagster as dg
from dagster._core.storage.tags import WILL_RETRY_TAG

from dirbolt_core.alerts import AlertSender
from dirbolt_core.intake import intake_batch
from dirbolt_core.operations import HealthThresholds, check_health, dead_letter_job
from dirbolt_core.vocabulary import JobStatus, Priority
from dirbolt_dagster.assets import JOBS_QUEUE
from dirbolt_dagster.jobs import submit_job
from dirbolt_dagster.partitions import jobs_partitions
from dirbolt_dagster.resources import QueueResource, StoreResource

# A sensor tick must finish well inside Dagster's 60 s evaluation timeout.
MAX_MESSAGES_PER_TICK = int(os.environ.get("DIRBOLT_SENSOR_MAX_MESSAGES", "100"))
TICK_BUDGET_S = float(os.environ.get("DIRBOLT_SENSOR_TICK_BUDGET_S", "30"))
SENSOR_INTERVAL_S = int(os.environ.get("DIRBOLT_SENSOR_INTERVAL_S", "10"))
HEALTH_INTERVAL_S = int(os.environ.get("DIRBOLT_HEALTH_INTERVAL_S", "60"))


def run_tags(priority: Priority) -> dict[str, str]:
    return {
        "dirbolt/priority": priority.value,
        # QueuedRunCoordinator dequeues higher values first: enterprise before starter.
        "dagster/priority": str(priority.rank * 10),
    }


@dg.sensor(
    job=submit_job,
    minimum_interval_seconds=SENSOR_INTERVAL_S,
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
    queued = db.jobs_with_status(JobStatus.QUEUED, limit=MAX_MESSAGES_PER_TICK)
    keys = [str(job_id) for job_id in queued]
    new_keys = [k for k in keys if not context.instance.has_dynamic_partition(jobs_partitions.name, k)]
    run_requests = []
    for key in keys:
        job = db.job(key)
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


@dg.run_failure_sensor(
    monitored_jobs=[submit_job],
    default_status=dg.DefaultSensorStatus.RUNNING,
    # Every evaluation builds an instance and the resources in the code server; a job's failure
    # reaching the DLQ 15 s later costs nothing, polling every 5 s costs CPU the browsers need.
    minimum_interval_seconds=15,
    description="A job whose runs failed for good (retries exhausted) is failed and dead-lettered.",
)
def job_run_failure_sensor(context: dg.RunFailureSensorContext, store: StoreResource,
                           queue: QueueResource) -> None:
    run = context.dagster_run
    job_id = run.tags.get("dirbolt/job_id") or run.tags.get("dagster/partition")
    if not job_id:
        return
    error = context.failure_event.message or "run failed"
    for event in context.get_step_failure_events()[:1]:
        # The step's own exception says what went wrong; the event message only names the step.
        info = getattr(event.event_specific_data, "error", None)
        while info is not None and info.cause is not None:
            info = info.cause  # Dagster wraps the user's exception; its message is the root cause's
        error = f"{event.step_key}: {info.message.strip()}" if info is not None else event.message
    retries = run.tags.get("dagster/retry_number", "0")
    if run.tags.get(WILL_RETRY_TAG) == "true":
        context.log.info(f"run {run.run_id} failed; Dagster will retry it")
        store.store.append_history(entity="job", event="run_failed", job_id=job_id,
                                   detail={"run_id": run.run_id, "retry": retries, "will_retry": True,
                                           "error": error.strip()[:600]},
                                   actor=f"sensor:{context.sensor_name}")
        return
    done = dead_letter_job(store.store, queue.queue, job_id,
                           error=f"{error.strip()[:600]} (run {run.run_id}, retry {retries})",
                           actor=f"sensor:{context.sensor_name}")
    if done:
        AlertSender(os.environ.get("DIRBOLT_ALERT_WEBHOOK_URL")).send(
            _job_alert(job_id, run.run_id, error))


def _job_alert(job_id: str, run_id: str, error: str):
    from dirbolt_core.alerts import Alert

    return Alert("job_dead_lettered", f"job {job_id} failed after its run retries and went to the DLQ",
                 {"run_id": run_id, "error": error.strip().splitlines()[0][:200] if error.strip() else ""})


@dg.sensor(
    minimum_interval_seconds=HEALTH_INTERVAL_S,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Alerts (webhook) on DLQ depth, stale workers and a high submission failure rate.",
)
def platform_health_sensor(context: dg.SensorEvaluationContext, store: StoreResource,
                           queue: QueueResource) -> dg.SkipReason:
    thresholds = HealthThresholds(
        dlq_depth=int(os.environ.get("DIRBOLT_ALERT_DLQ_DEPTH", "10")),
        failure_rate=float(os.environ.get("DIRBOLT_ALERT_FAILURE_RATE", "0.25")),
        stale_after_s=int(os.environ.get("DIRBOLT_STALE_AFTER_SECONDS", "120")),
    )
    report = check_health(store.store, queue.queue, thresholds)
    # Alert on a change of state, not on every tick while it lasts.
    previous = set(json.loads(context.cursor)) if context.cursor else set()
    firing = {a.kind + ":" + json.dumps(a.details, sort_keys=True) for a in report.alerts}
    sender = AlertSender(os.environ.get("DIRBOLT_ALERT_WEBHOOK_URL"))
    for alert in report.alerts:
        key = alert.kind + ":" + json.dumps(alert.details, sort_keys=True)
        if key not in previous:
            # The audit row goes in before the webhook: whoever reacts to the alert finds it.
            if alert.kind == "stale_workers":
                for worker in report.stale_workers:
                    store.store.append_history(entity="worker", event="stale", detail={"worker_id": worker},
                                               actor=f"sensor:{context.sensor_name}")
            sender.send(alert)
    context.update_cursor(json.dumps(sorted(firing)))
    return dg.SkipReason(f"dlq={report.dlq_depth} stale={len(report.stale_workers)} "
                         f"failure_rate={report.failure_rate} alerts={len(report.alerts)}")
