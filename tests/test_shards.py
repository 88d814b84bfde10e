"""Shards of a job and the leases that let workers on many hosts share its rows (real PostgreSQL)."""

from __future__ import annotations

import uuid

import pytest

from dirbolt_core.db.leases import WorkerLease
from dirbolt_core.idempotency import idempotency_key
from dirbolt_core.models import Directory
from dirbolt_core.sample import SAMPLE_PROFILE
from dirbolt_core.shards import Shard, cut
from dirbolt_core.vocabulary import Priority, SubmissionStatus


@pytest.mark.parametrize("planned", [0, 1, 7, 50, 99, 100, 101, 500])
@pytest.mark.parametrize("size", [1, 3, 50, 100])
def test_shards_cover_the_plan_once_and_hold_at_most_the_shard_size(planned, size):
    directories = [f"d{i:04d}" for i in range(planned)]
    shards = cut(planned, size)
    slices = [s.select(directories) for s in shards]
    assert [d for part in slices for d in part] == directories  # every directory once, in order
    assert all(len(part) <= size for part in slices)
    assert len(shards) == max(1, -(-planned // size))
    # A host that only knows a shard's key selects the same slice.
    assert [Shard.from_key(s.key).select(directories) for s in shards] == slices


def test_shard_keys_are_checked():
    assert Shard.from_key("2_of_4") == Shard(index=1, count=4)
    for bad in ("0_of_4", "5_of_4", "shard", "1_of_0", "-1_of_2"):
        with pytest.raises(ValueError):
            Shard.from_key(bad)
    with pytest.raises(ValueError):
        cut(10, 0)


def _row(store, job_id: uuid.UUID) -> tuple[str, Directory]:
    directory = Directory(id="lease-site", name="Lease Site", url="http://127.0.0.1:9/",
                          submission_url="http://127.0.0.1:9/submit", rate_limit_ms=0)
    store.directories.upsert([directory])
    store.jobs.create(job_id=job_id, customer_id="c", package_size=1, priority=Priority.ENTERPRISE,
                     business_data=SAMPLE_PROFILE.model_dump(mode="json"))
    key = idempotency_key(job_id, directory.id, SAMPLE_PROFILE.model_dump(mode="json"))
    store.submissions.save_plan(job_id, [(key, directory)], actor="test")
    return key, directory


def _claim(store, key, job_id, directory, owner):
    return store.submissions.claim(key=key, job_id=job_id, directory=directory, owner=owner, run_id="r")


def test_a_live_workers_rows_are_never_taken_and_a_dead_ones_are(store):
    job_id = uuid.uuid4()
    key, directory = _row(store, job_id)
    with WorkerLease.acquire(store.dsn, "host-a", job_id):
        assert _claim(store, key, job_id, directory, "host-a").claimed
        # Another worker (another host) on the same job while host-a lives: not an orphan.
        with WorkerLease.acquire(store.dsn, "host-b", job_id):
            other = _claim(store, key, job_id, directory, "host-b")
            assert not other.claimed and other.status is SubmissionStatus.PROCESSING
            assert not other.unknown_outcome
            store.submissions.mark_submit_started(key)  # host-a presses submit
            pressed = _claim(store, key, job_id, directory, "host-b")
            assert not pressed.claimed and not pressed.unknown_outcome  # host-a will record it
    # host-a is gone (its lease connection closed, as when the process dies).
    with WorkerLease.acquire(store.dsn, "host-b", job_id):
        after = _claim(store, key, job_id, directory, "host-b")
        assert not after.claimed and after.unknown_outcome  # pressed, never recorded: a person checks
        store.submissions.clear_submit_started(key)  # the same, had host-a died before pressing
        assert _claim(store, key, job_id, directory, "host-b").claimed
    story = [(h.event, h.actor) for h in store.audit.history(job_id) if h.entity == "submission"]
    assert story == [("claimed", "host-a"), ("claimed", "host-b")]


def test_a_worker_id_is_leased_once(store):
    job_id = uuid.uuid4()
    with WorkerLease.acquire(store.dsn, "twin", job_id), pytest.raises(RuntimeError, match="already leased"):
        WorkerLease.acquire(store.dsn, "twin", job_id)


def test_a_row_in_flight_on_another_live_worker_is_waited_for_not_skipped(store):
    """Two live workers on the same shard (a redelivered task while the first host still works, a rerun
    launched during a run): the second waits for the first one's outcome, so a shard ends only when
    its rows are final; it never submits the row itself."""
    import asyncio
    import threading

    from dirbolt_core.models import SubmissionOutcome
    from dirbolt_core.runner.engine import JobRunner

    job_id = uuid.uuid4()
    key, directory = _row(store, job_id)
    job = store.jobs.get(job_id)
    second = JobRunner(store=store, artifacts=None, brain=None, pool=None, worker_id="host-b")  # never browses

    async def second_worker(wait_s: float):
        second.in_flight_wait_s = wait_s
        return await second._submit_directory(job, directory, asyncio.Semaphore(1))

    with WorkerLease.acquire(store.dsn, "host-a", job_id):
        assert _claim(store, key, job_id, directory, "host-a").claimed
        gave_up = asyncio.run(second_worker(0.5))  # bounded: a stuck live owner does not hang the shard
        assert gave_up.status is SubmissionStatus.PROCESSING and not gave_up.submitted_now
        assert gave_up.reason == "in flight on another live worker"
        done = SubmissionOutcome(status=SubmissionStatus.SUBMITTED, reason="accepted", confidence=0.9)
        finisher = threading.Timer(1.5, store.submissions.finish, args=(key, done), kwargs={"actor": "host-a"})
        finisher.start()
        report = asyncio.run(second_worker(60))
        finisher.join()
    assert report.status is SubmissionStatus.SUBMITTED and not report.submitted_now
    assert report.reason == "already recorded"
    assert [h.actor for h in store.audit.history(job_id) if h.event == "claimed"] == ["host-a"]
