"""Operations: dead-lettering of jobs whose runs failed for good, platform health alerts."""

import json
import uuid

import dagster as dg
from dagster._core.storage.tags import WILL_RETRY_TAG

from dirbolt_core.alerts import Alert, AlertSender
from dirbolt_core.operations import HealthThresholds, check_health, dead_letter_job
from dirbolt_core.settings import get_settings
from dirbolt_core.vocabulary import JobStatus
from dirbolt_dagster.resources import QueueResource, StoreResource
from dirbolt_dagster.submissions.jobs import submit_job

# Read when the code location loads: the interval is part of the sensor's definition.
_settings = get_settings()


def _alerts() -> AlertSender:
    url = _settings.alert_webhook_url
    return AlertSender(url.get_secret_value() if url is not None else None)


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
        store.store.audit.append(entity="job", event="run_failed", job_id=job_id,
                                   detail={"run_id": run.run_id, "retry": retries, "will_retry": True,
                                           "error": error.strip()[:600]},
                                   actor=f"sensor:{context.sensor_name}")
        return
    done = dead_letter_job(store.store, queue.queue, job_id,
                           error=f"{error.strip()[:600]} (run {run.run_id}, retry {retries})",
                           actor=f"sensor:{context.sensor_name}")
    if done:
        _alerts().send(_job_alert(job_id, run.run_id, error))


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.CANCELED,
    monitored_jobs=[submit_job],
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=15,
    description="A job whose run was cancelled (\"Terminate\") ends `cancelled`; `dirbolt rerun JOB` resumes it.",
)
def job_run_cancelled_sensor(context: dg.RunStatusSensorContext, store: StoreResource) -> None:
    run = context.dagster_run
    job_id = run.tags.get("dirbolt/job_id") or run.tags.get("dagster/partition")
    if job_id and store.store.jobs.cancel(job_id, reason=f"run {run.run_id} cancelled", run_id=run.run_id,
                                          actor=f"sensor:{context.sensor_name}"):
        context.log.info(f"job {job_id} cancelled with its run {run.run_id}")


@dg.sensor(
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="A running job whose run was deleted ends `cancelled`; `dirbolt rerun JOB` resumes it.",
)
def deleted_runs_sensor(context: dg.SensorEvaluationContext, store: StoreResource) -> dg.SkipReason:
    cancelled = []
    for job_id, run_id in store.store.jobs.with_runs((JobStatus.RUNNING,)):
        if not _dagster_run_id(run_id) or context.instance.get_run_by_id(run_id) is not None:
            continue  # run by `dirbolt run-job` (no Dagster run), or its run is there
        if store.store.jobs.cancel(job_id, reason=f"run {run_id} deleted", run_id=run_id,
                                   actor=f"sensor:{context.sensor_name}"):
            cancelled.append(str(job_id))
    return dg.SkipReason(f"cancelled {len(cancelled)} job(s) whose run was deleted: {', '.join(cancelled[:10])}"
                         if cancelled else "no running job lost its run")


def _dagster_run_id(run_id: str | None) -> bool:
    try:
        return run_id is not None and uuid.UUID(run_id) is not None
    except ValueError:
        return False


def _job_alert(job_id: str, run_id: str, error: str) -> Alert:
    return Alert("job_dead_lettered", f"job {job_id} failed after its run retries and went to the DLQ",
                 {"run_id": run_id, "error": error.strip().splitlines()[0][:200] if error.strip() else ""})


@dg.sensor(
    minimum_interval_seconds=_settings.health_interval_s,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Alerts (webhook) on DLQ depth, stale workers and a high submission failure rate.",
)
def platform_health_sensor(context: dg.SensorEvaluationContext, store: StoreResource,
                           queue: QueueResource) -> dg.SkipReason:
    thresholds = HealthThresholds(dlq_depth=_settings.alert_dlq_depth, failure_rate=_settings.alert_failure_rate,
                                  stale_after_s=_settings.stale_after_seconds)
    report = check_health(store.store, queue.queue, thresholds)
    # Alert on a change of state, not on every tick while it lasts.
    previous = set(json.loads(context.cursor)) if context.cursor else set()
    firing = {a.kind + ":" + json.dumps(a.details, sort_keys=True) for a in report.alerts}
    sender = _alerts()
    for alert in report.alerts:
        key = alert.kind + ":" + json.dumps(alert.details, sort_keys=True)
        if key not in previous:
            # The audit row goes in before the webhook: whoever reacts to the alert finds it.
            if alert.kind == "stale_workers":
                for worker in report.stale_workers:
                    store.store.audit.append(entity="worker", event="stale", detail={"worker_id": worker},
                                               actor=f"sensor:{context.sensor_name}")
            sender.send(alert)
    context.update_cursor(json.dumps(sorted(firing)))
    return dg.SkipReason(f"dlq={report.dlq_depth} stale={len(report.stale_workers)} "
                         f"failure_rate={report.failure_rate} alerts={len(report.alerts)}")
