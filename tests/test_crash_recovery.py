"""kill -9 of a worker at the two moments that matter, then a rerun: nothing twice, nothing lost."""

from __future__ import annotations

import os
import signal
import time

import psycopg

from dirbolt_core.vocabulary import Priority, SubmissionStatus
from tests.runner_harness import order, start_worker, worker_env

SITES = ["localpages", "citylisted"]


def _setup(store, catalog):
    store.directories.upsert([d for d in catalog if d.id.removeprefix("sandbox-") in SITES], vouch="sandbox sites")
    # A starter job submits one directory at a time, so the crash catches exactly one in flight.
    return order(store, priority=Priority.STARTER, size=2)


def _wait(predicate, proc, timeout_s=90):
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert proc.poll() is None, "the worker exited before the crash point"
        assert time.monotonic() < deadline, "crash point not reached"
        time.sleep(0.2)


def _in_flight(dsn, job_id, *, pressed: bool) -> list[str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT directory_id FROM job_results WHERE job_id = %s AND status = 'processing' "
            "AND (submit_started_at IS NOT NULL) = %s", (job_id, pressed)).fetchall()
    return [r[0] for r in rows]


def _kill_and_rerun(proc, job_id, env, log):
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    rerun = start_worker(job_id, {k: v for k, v in env.items() if k != "DIRBOLT_FAILPOINTS"}, log)
    assert rerun.wait(timeout=180) == 0, log.read_text()[-2000:]


def test_crash_between_submit_and_record_is_never_submitted_again(store, catalog, sandbox, tmp_path, artifact_dir):
    job_id = _setup(store, catalog)
    env = worker_env(store.dsn, artifact_dir, DIRBOLT_FAILPOINTS="after_submit=sleep:120")
    proc = start_worker(job_id, env, tmp_path / "crash.log")
    # The crash point: the directory has received the business, our row says pressed, no outcome yet
    # (the row is marked pressed just before the click, so the post may still be on its way).
    _wait(lambda: any(sandbox.accepted(d.removeprefix("sandbox-"))
                      for d in _in_flight(store.dsn, job_id, pressed=True)), proc)
    [crashed] = _in_flight(store.dsn, job_id, pressed=True)
    site = crashed.removeprefix("sandbox-")
    assert len(sandbox.accepted(site)) == 1  # the directory has it; our record does not yet

    _kill_and_rerun(proc, job_id, env, tmp_path / "rerun.log")
    results = {r.directory_id: r for r in store.submissions.results(job_id)}
    assert results[crashed].status is SubmissionStatus.NEEDS_MANUAL
    assert results[crashed].reason.startswith("outcome unknown")
    other = next(d for d in results if d != crashed)
    assert results[other].status.is_success
    for s in SITES:
        assert len(sandbox.accepted(s)) == 1, s  # each directory received the business exactly once


def test_crash_before_submit_is_finished_by_the_rerun(store, catalog, sandbox, tmp_path, artifact_dir):
    job_id = _setup(store, catalog)
    env = worker_env(store.dsn, artifact_dir, DIRBOLT_FAILPOINTS="before_submit=sleep:120")
    proc = start_worker(job_id, env, tmp_path / "crash.log")
    _wait(lambda: _in_flight(store.dsn, job_id, pressed=False), proc)
    assert not sandbox.accepted()

    _kill_and_rerun(proc, job_id, env, tmp_path / "rerun.log")
    results = store.submissions.results(job_id)
    assert all(r.status.is_success for r in results), results
    for s in SITES:
        assert len(sandbox.accepted(s)) == 1, s
    story = [h.event for h in store.audit.history(job_id) if h.entity == "submission"]
    assert story.count("claimed") == 3  # two first claims, one reclaim of the orphan
