"""Sensor intake: messages per second from SQS to durable queued jobs, registered partitions and run requests.

    .venv/bin/python benchmarks/sensor_intake.py [--messages 500] [--json]

The same number of valid job messages (jobs already in the system of record) is put on a moto
SQS queue for each variant, then drained:

* bare boto3: receive 10 at a time and delete each message (the SQS calls intake makes, nothing
  else): the baseline. A second line deletes in batches of 10 (the SQS floor).
* intake_batch: validation, the job made durable as queued, audit, delete (dirbolt_core.intake).
* sensor: the real `sqs_jobs_sensor` evaluated with a real DagsterInstance (SQLite under a temporary
  DAGSTER_HOME, dagster.dev.yaml) through `dagster.build_sensor_context`, with fresh resources per
  tick as the daemon builds them; after each tick its dynamic-partition requests are applied to the
  instance (what the daemon does) and the jobs it requested runs for are marked running (standing in
  for the runs starting, outside the timing, so the next tick sees the rest of the queue).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench import business, create_jobs, load_average, local_parts


def _queue(sqs_url: str) -> Any:
    from dirbolt_core import composition
    from dirbolt_core.settings import get_settings

    suffix = uuid.uuid4().hex[:8]
    queue = composition.job_queue(get_settings().with_overrides(
        sqs_queue_name=f"intake-{suffix}", sqs_dlq_name=f"intake-{suffix}-dlq"), endpoint_url=sqs_url)
    queue.ensure()
    return queue


def _fill(queue: Any, job_ids: list[uuid.UUID]) -> None:
    bodies = [json.dumps({"job_id": str(j), "customer_id": "bench", "package_size": 15, "priority": "growth"})
              for j in job_ids]
    for i in range(0, len(bodies), 10):
        queue.client.send_message_batch(QueueUrl=queue.queue_url, Entries=[
            {"Id": str(k), "MessageBody": b} for k, b in enumerate(bodies[i:i + 10])])


def bare(queue: Any, n: int, *, batch_delete: bool) -> float:
    client, url = queue.client, queue.queue_url
    started = time.perf_counter()
    done = 0
    while done < n:
        messages = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                          AttributeNames=["ApproximateReceiveCount"]).get("Messages", [])
        if not messages:
            break
        for m in messages:
            json.loads(m["Body"])
        if batch_delete:
            client.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(k), "ReceiptHandle": m["ReceiptHandle"]} for k, m in enumerate(messages)])
        else:
            for m in messages:
                client.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        done += len(messages)
    elapsed = time.perf_counter() - started
    if done != n:
        print(f"  bare: drained {done} of {n}", file=sys.stderr)
    return elapsed


def intake_only(store: Any, queue: Any, n: int) -> float:
    from dirbolt_core.intake import intake_batch

    started = time.perf_counter()
    accepted = 0
    while accepted < n:
        batch = intake_batch(store, queue, actor="bench", max_messages=100)
        if not batch.received:
            break
        accepted += len(batch.accepted)
    elapsed = time.perf_counter() - started
    if accepted != n:
        print(f"  intake_batch: accepted {accepted} of {n}", file=sys.stderr)
    return elapsed


def sensor(parts: Any, queue: Any, n: int, home: Path) -> tuple[float, float, int, int]:
    """(seconds in the sensor and partition registration, seconds of that in the partition
    registration, ticks, distinct run requests)."""
    import dagster as dg

    from dirbolt_core.db.store import Store
    from dirbolt_core.settings import REPO_ROOT
    from dirbolt_core.vocabulary import JobStatus
    from dirbolt_dagster.intake.sensors import sqs_jobs_sensor
    from dirbolt_dagster.partitions import jobs_partitions
    from dirbolt_dagster.resources import QueueResource, StoreResource

    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text((REPO_ROOT / "dagster.dev.yaml").read_text())
    instance = dg.DagsterInstance.from_config(str(home))
    requested: set[str] = set()
    cursor = None
    timed = registering = 0.0
    ticks = 0
    with Store(parts.database_url) as store:
        while True:
            started = time.perf_counter()
            resources = {"store": StoreResource(database_url=parts.database_url),
                         "queue": QueueResource(endpoint_url=parts.sqs_url, queue_name=queue.queue_name,
                                                dlq_name=queue.dlq_name)}
            # A daemon tick (its log key ends with the tick id); without one the sensor only previews.
            with dg.SensorEvaluationContext(instance_ref=None, instance=instance, resources=resources,
                                            cursor=cursor, sensor_name="sqs_jobs_sensor",
                                            log_key=["__repository__", "sqs_jobs_sensor", str(ticks + 1)],
                                            ) as context:
                result = sqs_jobs_sensor(context)
            t_register = time.perf_counter()
            for request in result.dynamic_partitions_requests or []:
                instance.add_dynamic_partitions(jobs_partitions.name, list(request.partition_keys))
            done = time.perf_counter()
            timed += done - started
            registering += done - t_register
            ticks += 1
            cursor = result.cursor
            keys = [r.run_key for r in result.run_requests or []]
            if not keys:
                break
            requested.update(keys)
            for key in keys:  # the runs start (outside the timing)
                store.jobs.set_status(uuid.UUID(key), JobStatus.RUNNING, actor="bench")
    registered = sum(1 for k in requested if instance.has_dynamic_partition(jobs_partitions.name, k))
    if len(requested) != n or registered != n:
        print(f"  sensor: {len(requested)} run requests, {registered} partitions, of {n}", file=sys.stderr)
    return timed, registering, ticks, len(requested)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    n = args.messages
    load_before = load_average()
    figures: dict[str, Any] = {"messages": n, "load_average_before": load_before}
    with local_parts(sqs=True, sandbox=False) as parts:
        from dirbolt_core.db.store import Store

        assert parts.sqs_url
        with Store(parts.database_url) as store:
            for name, batch_delete in (("bare boto3 receive + delete", False),
                                       ("bare boto3 receive + batch delete", True)):
                queue = _queue(parts.sqs_url)
                _fill(queue, [uuid.uuid4() for _ in range(n)])
                figures[name] = bare(queue, n, batch_delete=batch_delete)
            queue = _queue(parts.sqs_url)
            intake_jobs = create_jobs(parts.database_url, [business(80_000 + i) for i in range(n)],
                                      package_size=15, priority="growth")
            _fill(queue, intake_jobs)
            figures["intake_batch (validate, queue job, audit, delete)"] = intake_only(store, queue, n)
            from dirbolt_core.vocabulary import JobStatus

            for job_id in intake_jobs:  # out of the sensor's way: it requests runs for every queued job
                store.jobs.set_status(job_id, JobStatus.RUNNING, actor="bench")
        queue = _queue(parts.sqs_url)
        _fill(queue, create_jobs(parts.database_url, [business(90_000 + i) for i in range(n)], package_size=15,
                                 priority="growth"))
        timed, registering, ticks, requests = sensor(parts, queue, n, parts.work / "dagster_home")
        figures["sqs_jobs_sensor + partitions (real instance)"] = timed
        figures["sensor_ticks"] = ticks
        figures["run_requests"] = requests
        figures["partition_registration_s"] = registering
    figures["load_average_after"] = load_average()
    if args.json:
        print(json.dumps(figures))
        return 0
    base = figures["bare boto3 receive + delete"]
    print(f"sensor intake: {n} messages per variant; load average before {load_before}")
    print(f"{'variant':52} {'seconds':>8} {'msg/s':>8} {'time vs bare':>13}")
    for name in ("bare boto3 receive + delete", "bare boto3 receive + batch delete",
                 "intake_batch (validate, queue job, audit, delete)", "sqs_jobs_sensor + partitions (real instance)"):
        s = figures[name]
        print(f"{name:52} {s:>8.2f} {n / s:>8.1f} {s / base:>12.2f}x")
    print(f"sensor: {ticks} ticks, {requests} run requests, {registering:.2f}s of its time registering partitions")
    print(f"load average after: {figures['load_average_after']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
