"""Intake over a real SQS-compatible server (moto over HTTP) and the real PostgreSQL."""

from __future__ import annotations

import json
import time
import uuid

from dirbolt_core.intake import intake_batch
from dirbolt_core.sample import SAMPLE_PROFILE
from dirbolt_core.vocabulary import JobStatus, Priority


def _order(store, priority=Priority.GROWTH) -> uuid.UUID:
    job_id = uuid.uuid4()
    store.jobs.create(job_id=job_id, customer_id="c1", package_size=3, priority=priority,
                     business_data=SAMPLE_PROFILE.model_dump(mode="json"))
    return job_id


def _message(job_id: uuid.UUID, **overrides) -> str:
    return json.dumps({"job_id": str(job_id), "customer_id": "c1", "package_size": 3, "priority": "growth",
                       **overrides})


def test_malformed_messages_go_to_the_dlq_with_reasons_and_good_ones_flow(store, job_queue):
    good = _order(store)
    bad_bodies = {
        "not json": "{job_id: nope",
        "missing job_id": json.dumps({"customer_id": "c1", "package_size": 3, "priority": "growth"}),
        "unknown priority": _message(_order(store), priority="platinum"),
        "unknown job": _message(uuid.uuid4()),
        "oversize": json.dumps({"job_id": str(uuid.uuid4()), "pad": "x" * 70_000}),
    }
    for body in bad_bodies.values():
        job_queue.send(body)
    job_queue.send(_message(good))

    batch = intake_batch(store, job_queue, actor="test", max_messages=50)
    assert batch.received == 6
    assert [d.job_id for d in batch.accepted] == [good]
    assert store.jobs.get(good).status is JobStatus.QUEUED

    dlq = {m.body: m.attributes["reason"] for m in job_queue.drain_dlq()}
    assert set(dlq) == set(bad_bodies.values())
    assert dlq[bad_bodies["not json"]].startswith("not JSON")
    assert "job_id" in dlq[bad_bodies["missing job_id"]]
    assert "priority" in dlq[bad_bodies["unknown priority"]]
    assert dlq[bad_bodies["unknown job"]].startswith("unknown job")
    assert dlq[bad_bodies["oversize"]].startswith("oversize message")

    reasons = [h.detail["reason"] for h in store.audit.history(entity="message") if h.event == "dead_lettered"]
    assert sorted(reasons) == sorted(dlq.values())
    # The main queue is empty: nothing stuck, nothing lost.
    assert job_queue.depth()["visible"] == 0 and job_queue.depth()["in_flight"] == 0


def test_a_message_delivered_three_times_queues_its_job_once(store, job_queue):
    job_id = _order(store)
    for _ in range(3):
        job_queue.send(_message(job_id))
    batch = intake_batch(store, job_queue, actor="test")
    assert len(batch.accepted) == 3
    assert sum(d.newly_queued for d in batch.accepted) == 1
    events = [h.event for h in store.audit.history(job_id)]
    assert events.count("queued") == 1 and events.count("duplicate_delivery") == 2


def test_a_message_may_carry_the_profile_inline(store, job_queue):
    job_id = uuid.uuid4()
    job_queue.send(json.dumps({"job_id": str(job_id), "customer_id": "c9", "package_size": 2,
                               "priority": "starter", "business_data": SAMPLE_PROFILE.model_dump(mode="json")}))
    batch = intake_batch(store, job_queue, actor="test")
    assert batch.accepted and store.jobs.get(job_id).profile.business_name == SAMPLE_PROFILE.business_name


def test_a_message_for_another_customers_job_is_refused(store, job_queue):
    job_id = _order(store)
    job_queue.send(_message(job_id, customer_id="someone-else"))
    batch = intake_batch(store, job_queue, actor="test")
    assert not batch.accepted and "another customer" in batch.rejected[0].reason
    assert store.jobs.row(job_id).status == "pending"


def test_a_message_left_unprocessed_comes_back(store, job_queue):
    """If intake dies before deleting, SQS redelivers after the visibility timeout (shortened here)."""
    job_id = _order(store)
    job_queue.send(_message(job_id))
    first = job_queue.receive(visibility_timeout_s=1)
    assert len(first) == 1  # received but never deleted: the process "died"
    time.sleep(1.5)
    batch = intake_batch(store, job_queue, actor="test")
    assert [d.job_id for d in batch.accepted] == [job_id]


def test_intake_recovers_when_the_queue_server_restarts(store, tmp_path):
    """The local SQS server restarts (and forgets its queues): intake recreates them and carries on;
    jobs made durable before the restart are untouched."""
    from dirbolt_core.queue.sqs import JobQueue
    from dirbolt_core.services import free_port, start_local_sqs

    port = free_port()
    before = _order(store)
    with start_local_sqs(port=port, log_path=tmp_path / "sqs1.log") as server:
        queue = JobQueue(endpoint_url=server.url, queue_name="restart-q", dlq_name="restart-dlq")
        queue.ensure()
        queue.send(_message(before))
        assert [d.job_id for d in intake_batch(store, queue, actor="test").accepted] == [before]
    after = _order(store)
    with start_local_sqs(port=port, log_path=tmp_path / "sqs2.log"):
        queue.send(_message(after))  # the queue is recreated on the restarted server
        assert [d.job_id for d in intake_batch(store, queue, actor="test").accepted] == [after]
    assert store.jobs.get(before).status is JobStatus.QUEUED and store.jobs.get(after).status is JobStatus.QUEUED
