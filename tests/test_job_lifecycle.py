"""A job's life around its runs (issue 15): every queued job reached, cancelled runs end their job
visibly and `dirbolt rerun` resumes it, the outbox makes `enqueue` atomic, a sensor preview takes
nothing. Real PostgreSQL, a real SQS-compatible server over HTTP, a real Dagster instance."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import dagster as dg
import pytest
from dagster._core.events import DagsterEventType
from dagster._core.utils import make_new_run_id

from dirbolt_core.jobs import enqueue_job, relay_outbox
from dirbolt_core.queue.sqs import JobQueue
from dirbolt_core.sample import SAMPLE_PROFILE
from dirbolt_core.services import free_port
from dirbolt_core.settings import REPO_ROOT
from dirbolt_core.vocabulary import JobStatus, Priority
from dirbolt_dagster.intake.sensors import sqs_jobs_sensor
from dirbolt_dagster.operations.sensors import deleted_runs_sensor, job_run_cancelled_sensor
from dirbolt_dagster.resources import QueueResource, StoreResource


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as inst:
        yield inst


def _resources(database_url: str, queue: JobQueue) -> dict:
    return {"store": StoreResource(database_url=database_url),
            "queue": QueueResource(endpoint_url=queue.endpoint_url, queue_name=queue.queue_name,
                                   dlq_name=queue.dlq_name)}


def _tick(instance: dg.DagsterInstance, resources: dict, *, preview: bool = False):
    """Evaluate the SQS sensor as the daemon does (its log key ends with the tick's id) or as a preview
    does (no tick: Dagster makes the log key from the time)."""
    log_key = None if preview else ["__repository__", "sqs_jobs_sensor", "42"]
    with dg.SensorEvaluationContext(instance_ref=None, instance=instance, log_key=log_key,
                                    repository_name="__repository__", sensor_name="sqs_jobs_sensor",
                                    resources=resources) as context:
        return sqs_jobs_sensor(context)


def _queued_job(store, n: int = 0, priority: Priority = Priority.GROWTH) -> uuid.UUID:
    job_id = uuid.uuid4()
    store.jobs.create(job_id=job_id, customer_id=f"c{n}", package_size=2, priority=priority,
                      business_data=SAMPLE_PROFILE.model_dump(mode="json"))
    assert store.jobs.mark_queued(job_id, message_id=f"m{n}", actor="test")
    return job_id


def _stuck_run(instance: dg.DagsterInstance, job_id: uuid.UUID, *, run_key: str | None = None,
               status: dg.DagsterRunStatus = dg.DagsterRunStatus.NOT_STARTED) -> dg.DagsterRun:
    tags = {"dagster/partition": str(job_id), "dirbolt/job_id": str(job_id)}
    if run_key:
        tags["dagster/run_key"] = run_key
    return instance.add_run(dg.DagsterRun(job_name="submit_job", run_id=make_new_run_id(), status=status,
                                          tags=tags))


def test_a_new_job_gets_its_run_request_behind_over_100_stuck_jobs(store, job_queue, instance, database_url):
    """101 older queued jobs whose runs exist and never start (whatever holds them) no longer hide a new
    job: before, the sensor requested runs for the 100 oldest queued jobs only, every tick."""
    stuck = [_queued_job(store, i) for i in range(101)]
    for job_id in stuck:
        _stuck_run(instance, job_id, run_key=str(job_id))
    new = _queued_job(store, 999, Priority.STARTER)
    result = _tick(instance, _resources(database_url, job_queue))
    keys = [r.run_key for r in result.run_requests]
    assert keys == [str(new)]
    [request] = result.run_requests
    assert request.partition_key == str(new)
    # The same tags every launch path carries (issue 15.5/15.8).
    assert request.tags["dirbolt/priority"] == "starter" and request.tags["dirbolt/tier"] == "starter"
    assert request.tags["dirbolt/job_id"] == str(new) and request.tags["dirbolt/customer_id"] == "c999"
    assert request.tags["dirbolt/business_name"] == SAMPLE_PROFILE.business_name
    assert request.tags["dagster/priority"] == "10"


def test_run_requests_go_oldest_first_at_most_a_tick_s_worth(store, job_queue, instance, database_url):
    jobs = [_queued_job(store, i) for i in range(103)]
    result = _tick(instance, _resources(database_url, job_queue))
    assert [r.run_key for r in result.run_requests] == [str(j) for j in jobs[:100]]
    for job_id in jobs[:100]:
        _stuck_run(instance, job_id, run_key=str(job_id))
    result = _tick(instance, _resources(database_url, job_queue))
    assert [r.run_key for r in result.run_requests] == [str(j) for j in jobs[100:]]


def _cancel(instance: dg.DagsterInstance, run: dg.DagsterRun, store, database_url, job_queue) -> None:
    instance.report_run_canceled(run)
    [entry] = instance.all_logs(run.run_id, of_type=DagsterEventType.RUN_CANCELED)
    with dg.build_run_status_sensor_context(
            sensor_name="job_run_cancelled_sensor", dagster_event=entry.dagster_event, dagster_instance=instance,
            dagster_run=instance.get_run_by_id(run.run_id), resources=_resources(database_url, job_queue)) as context:
        job_run_cancelled_sensor(context)


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dirbolt_cli", *args], env=env, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120)


def test_a_cancelled_run_cancels_its_job_and_rerun_queues_it_under_a_new_run_key(store, job_queue, instance,
                                                                                database_url):
    job_id = _queued_job(store)
    first = _tick(instance, _resources(database_url, job_queue)).run_requests
    assert [r.run_key for r in first] == [str(job_id)]
    run = _stuck_run(instance, job_id, run_key=str(job_id))
    # The UI's "Terminate" on a queued run: the run is cancelled, and so is the job, visibly.
    _cancel(instance, run, store, database_url, job_queue)
    job = store.jobs.get(job_id)
    assert job.status is JobStatus.CANCELLED and run.run_id in job.error
    assert [(h.from_status, h.to_status) for h in store.audit.history(job_id=job_id)
            if h.event == "job_cancelled"] == [("queued", "cancelled")]
    # A cancelled job is not requested again by itself...
    assert _tick(instance, _resources(database_url, job_queue)).run_requests == []
    # ...until an operator reruns it: queued under a new run key, so the sensor requests a new run.
    env = {**os.environ, "DIRBOLT_DATABASE_URL": database_url}
    done = _cli("rerun", str(job_id), env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{job_id}#1" in done.stdout
    assert store.jobs.get(job_id).status is JobStatus.QUEUED
    assert [r.run_key for r in _tick(instance, _resources(database_url, job_queue)).run_requests] == [f"{job_id}#1"]
    assert any(h.event == "job_requeued" for h in store.audit.history(job_id=job_id))
    # A queued job is not "rerun": the command says why and changes nothing.
    again = _cli("rerun", str(job_id), env=env)
    assert again.returncode == 1 and "only a cancelled or failed job" in again.stdout


def test_a_running_job_whose_run_is_cancelled_or_deleted_ends_cancelled(store, job_queue, instance, database_url):
    resources = _resources(database_url, job_queue)
    cancelled, deleted, other = (_queued_job(store, i) for i in range(3))
    runs = {}
    for job_id in (cancelled, deleted, other):
        runs[job_id] = _stuck_run(instance, job_id, status=dg.DagsterRunStatus.STARTED)
        store.jobs.set_status(job_id, JobStatus.RUNNING, run_id=runs[job_id].run_id, actor="test")
    _cancel(instance, runs[cancelled], store, database_url, job_queue)
    instance.delete_run(runs[deleted].run_id)
    with dg.build_sensor_context(instance=instance, resources=resources,
                                 sensor_name="deleted_runs_sensor") as context:
        deleted_runs_sensor(context)
    assert store.jobs.get(cancelled).status is JobStatus.CANCELLED
    assert store.jobs.get(deleted).status is JobStatus.CANCELLED
    assert "deleted" in store.jobs.get(deleted).error
    assert store.jobs.get(other).status is JobStatus.RUNNING
    # A live job's legacy columns say it too, in the legacy word.
    row = store.jobs.row(cancelled)
    if row.routing == "live":
        assert row.status == "cancelled"


def _unreachable_queue(job_queue: JobQueue) -> JobQueue:
    return JobQueue(endpoint_url=f"http://127.0.0.1:{free_port()}", queue_name=job_queue.queue_name,
                    dlq_name=job_queue.dlq_name)


def test_enqueue_keeps_job_and_message_together_when_the_queue_is_down(store, job_queue):
    job_id, relayed = enqueue_job(store, _unreachable_queue(job_queue),
                                  profile=SAMPLE_PROFILE.model_dump(mode="json"), priority=Priority.GROWTH,
                                  package_size=3, customer_id="c1")
    assert relayed.sent == [] and relayed.error and "\n" not in relayed.error
    # No orphan: the job and its unsent message are both in the system of record.
    assert store.jobs.get(job_id).status is JobStatus.ORDERED
    [row] = store.outbox.rows(job_id)
    assert row.sent_at is None and row.attempts == 1 and row.last_error == relayed.error
    assert row.body == {"job_id": str(job_id), "customer_id": "c1", "package_size": 3, "priority": "growth"}
    # The relay, once the queue is there, sends it exactly once however often it runs.
    assert relay_outbox(store, job_queue, actor="test").sent == [row.id]
    assert relay_outbox(store, job_queue, actor="test").sent == []
    [sent] = store.outbox.rows(job_id)
    assert sent.sent_at is not None and sent.message_id and sent.attempts == 2
    messages = job_queue.receive(max_messages=10, wait_s=1)
    assert [m.message_id for m in messages] == [sent.message_id]
    assert job_queue.receive(max_messages=10, wait_s=1) == []


def test_the_sensor_relays_the_outbox_then_takes_the_message(store, job_queue, instance, database_url):
    job_id, relayed = enqueue_job(store, _unreachable_queue(job_queue),
                                  profile=SAMPLE_PROFILE.model_dump(mode="json"), priority=Priority.GROWTH,
                                  package_size=3, customer_id="c1")
    assert relayed.error
    result = _tick(instance, _resources(database_url, job_queue))
    assert [r.run_key for r in result.run_requests] == [str(job_id)]
    assert store.jobs.get(job_id).status is JobStatus.QUEUED
    [row] = store.outbox.rows(job_id)
    assert row.sent_at is not None
    [observation] = result.asset_events
    assert observation.metadata["outbox_sent"].value == 1 and observation.metadata["accepted"].value == 1


def test_cli_enqueue_with_the_queue_unreachable_prints_one_line_and_keeps_the_job(store, job_queue, database_url):
    # What another shell had with only the database URL: a queue endpoint nothing listens on.
    env = {**os.environ, "DIRBOLT_DATABASE_URL": database_url,
           "DIRBOLT_SQS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
           "DIRBOLT_SQS_QUEUE_NAME": job_queue.queue_name, "DIRBOLT_SQS_DLQ_NAME": job_queue.dlq_name}
    done = _cli("enqueue", "--priority", "growth", "--package-size", "2", env=env)
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot be reached" in lines[0], done.stdout
    [row] = store.outbox.rows()
    assert row.sent_at is None and store.jobs.get(row.job_id) is not None
    # With the queue reachable, the next enqueue sends both: the old message and its own.
    env["DIRBOLT_SQS_ENDPOINT_URL"] = job_queue.endpoint_url
    done = _cli("enqueue", "--priority", "growth", "--package-size", "2", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert [r.sent_at is not None for r in store.outbox.rows()] == [True, True]
    bodies = {m.body for m in job_queue.receive(max_messages=10, wait_s=1)}
    assert len(bodies) == 2 and str(row.job_id) in "".join(bodies)


def test_a_sensor_preview_takes_no_message_and_marks_no_job(store, job_queue, instance, database_url):
    order = _queued_job(store)  # already queued, no run: a preview says a tick would request one
    pending = uuid.uuid4()
    store.jobs.create(job_id=pending, customer_id="c1", package_size=2, priority=Priority.GROWTH,
                      business_data=SAMPLE_PROFILE.model_dump(mode="json"))
    job_queue.send({"job_id": str(pending), "customer_id": "c1", "package_size": 2, "priority": "growth"})
    before = len(store.audit.history())
    result = _tick(instance, _resources(database_url, job_queue), preview=True)
    assert isinstance(result, dg.SkipReason)
    assert "1 message(s) waiting" in result.skip_message and "1 queued job(s)" in result.skip_message
    assert store.jobs.get(pending).status is JobStatus.ORDERED
    assert len(store.audit.history()) == before
    assert job_queue.depth()["visible"] == 1
    # The daemon's tick takes it.
    result = _tick(instance, _resources(database_url, job_queue))
    assert store.jobs.get(pending).status is JobStatus.QUEUED
    assert {r.run_key for r in result.run_requests} == {str(order), str(pending)}


def test_the_export_lines_of_dev_are_enough_for_another_shell_to_enqueue(store, job_queue, database_url):
    """`dirbolt dev` prints every variable another shell needs (AWS ones too), secrets never."""
    from dirbolt_core.localenv import shell_exports

    dev_env = {"DIRBOLT_DATABASE_URL": database_url, "DIRBOLT_SQS_ENDPOINT_URL": job_queue.endpoint_url,
               "DIRBOLT_SQS_QUEUE_NAME": job_queue.queue_name, "DIRBOLT_SQS_DLQ_NAME": job_queue.dlq_name,
               "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "DAGSTER_HOME": "/tmp/dh",
               "DIRBOLT_WEB_TOKEN": "s3cr3t-token", "PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/")}
    lines = shell_exports(dev_env)
    assert "export AWS_SECRET_ACCESS_KEY=local" in lines and "export DAGSTER_HOME=/tmp/dh" in lines
    assert not any("s3cr3t-token" in line for line in lines)
    assert any(line.startswith("# DIRBOLT_WEB_TOKEN is set") for line in lines)
    assert not any("PATH" in line for line in lines)
    for url in ("postgresql://app:pw-9x@db.example/dirbolt", "host=db.example user=app password=pw-9x dbname=d"):
        [line] = shell_exports({"DIRBOLT_DATABASE_URL": url})
        assert "pw-9x" not in line and "***" in line and "db.example" in line
    # A shell with nothing but PATH and these lines enqueues: the job stored, its message on the queue.
    script = "\n".join(lines) + f"\n{sys.executable} -m dirbolt_cli enqueue --priority growth --package-size 2\n"
    done = subprocess.run(["bash", "-c", script], env={"PATH": os.environ["PATH"], "HOME": dev_env["HOME"]},
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    [row] = store.outbox.rows()
    assert row.sent_at is not None and str(row.job_id) in done.stdout
    [message] = job_queue.receive(max_messages=10, wait_s=1)
    assert message.message_id == row.message_id
