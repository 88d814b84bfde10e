"""The system of record on the real PostgreSQL server: migrations, claims, audit, pacing, heartbeats."""

from __future__ import annotations

import threading
import time
import uuid

import psycopg
import pytest

from dirbolt_core.db.migrations import MigrationError, applied, apply_migrations, discover
from dirbolt_core.idempotency import idempotency_key
from dirbolt_core.models import Directory, SubmissionOutcome
from dirbolt_core.sample import SAMPLE_PROFILE
from dirbolt_core.vocabulary import JobStatus, Priority, SubmissionStatus

DIRECTORY = Directory(id="dir-a", name="Dir A", url="http://127.0.0.1:9/", submission_url="http://127.0.0.1:9/submit",
                      rate_limit_ms=300)


def _job(store) -> tuple[uuid.UUID, str]:
    job_id = uuid.uuid4()
    data = SAMPLE_PROFILE.model_dump(mode="json")
    store.jobs.create(job_id=job_id, customer_id="c1", package_size=1, priority=Priority.STARTER, business_data=data)
    store.directories.upsert([DIRECTORY])
    return job_id, idempotency_key(job_id, DIRECTORY.id, data)


def test_migrations_apply_once_and_are_recorded(empty_database_url):
    first = apply_migrations(empty_database_url)
    assert first == [m.name for m in discover()]
    assert apply_migrations(empty_database_url) == []
    assert [v for v, _ in applied(empty_database_url)] == [m.version for m in discover()]
    for table in ("jobs", "job_results", "worker_heartbeats", "queue_history", "directories", "customers"):
        with psycopg.connect(empty_database_url) as conn:
            assert conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0] == table


def test_an_edited_applied_migration_is_refused(empty_database_url, tmp_path):
    sql_dir = tmp_path / "sql"
    sql_dir.mkdir()
    (sql_dir / "001_t.sql").write_text("CREATE TABLE t (id int);")
    apply_migrations(empty_database_url, sql_dir)
    (sql_dir / "001_t.sql").write_text("CREATE TABLE t (id bigint);")
    with pytest.raises(MigrationError, match="changed after it was applied"):
        apply_migrations(empty_database_url, sql_dir)


def test_a_failing_migration_leaves_nothing_half_applied(empty_database_url, tmp_path):
    sql_dir = tmp_path / "sql"
    sql_dir.mkdir()
    (sql_dir / "001_ok.sql").write_text("CREATE TABLE ok (id int);")
    (sql_dir / "002_bad.sql").write_text("CREATE TABLE half (id int); SELECT no_such_function();")
    with pytest.raises(psycopg.Error):
        apply_migrations(empty_database_url, sql_dir)
    with psycopg.connect(empty_database_url) as conn:
        assert conn.execute("SELECT to_regclass('half')").fetchone()[0] is None
        assert conn.execute("SELECT to_regclass('ok')").fetchone()[0] == "ok"
    assert [v for v, _ in applied(empty_database_url)] == ["001"]


def test_a_key_is_claimed_once_and_never_again_after_success(store):
    job_id, key = _job(store)
    first = store.submissions.claim(key=key, job_id=job_id, directory=DIRECTORY, owner="w1", run_id="r1")
    assert first.claimed
    # In flight for w1: another worker cannot take it.
    assert not store.submissions.claim(key=key, job_id=job_id, directory=DIRECTORY, owner="w1", run_id="r1").claimed
    store.submissions.finish(key, SubmissionOutcome(status=SubmissionStatus.SUBMITTED, reason="ok"))
    again = store.submissions.claim(key=key, job_id=job_id, directory=DIRECTORY, owner="w2", run_id="r2")
    assert not again.claimed and again.status is SubmissionStatus.SUBMITTED
    with psycopg.connect(store.dsn) as conn:
        assert conn.execute("SELECT count(*) FROM job_results WHERE idempotency_key = %s", (key,)).fetchone()[0] == 1


def test_a_failed_key_is_claimed_again_by_a_rerun(store):
    job_id, key = _job(store)
    assert store.submissions.claim(key=key, job_id=job_id, directory=DIRECTORY, owner="w1", run_id="r1").claimed
    store.submissions.finish(key, SubmissionOutcome(status=SubmissionStatus.FAILED, reason="503"))
    assert store.submissions.claim(key=key, job_id=job_id, directory=DIRECTORY, owner="w2", run_id="r2").claimed


def test_an_orphan_that_pressed_submit_is_an_unknown_outcome_not_a_claim(store):
    job_id, key = _job(store)
    store.submissions.claim(key=key, job_id=job_id, directory=DIRECTORY, owner="dead", run_id="r1")
    store.submissions.mark_submit_started(key)
    claim = store.submissions.claim(key=key, job_id=job_id, directory=DIRECTORY, owner="w2", run_id="r2")
    assert not claim.claimed and claim.unknown_outcome


def test_an_orphan_that_never_pressed_submit_is_reclaimed(store):
    job_id, key = _job(store)
    store.submissions.claim(key=key, job_id=job_id, directory=DIRECTORY, owner="dead", run_id="r1")
    claim = store.submissions.claim(key=key, job_id=job_id, directory=DIRECTORY, owner="w2", run_id="r2")
    assert claim.claimed


def test_concurrent_claims_give_exactly_one_winner(store):
    job_id, key = _job(store)
    wins = []

    def claim(i: int) -> None:
        if store.submissions.claim(key=key, job_id=job_id, directory=DIRECTORY, owner="w1", run_id="r").claimed:
            wins.append(i)

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1


def test_every_state_change_is_in_the_audit_trail(store):
    job_id, key = _job(store)
    store.jobs.mark_queued(job_id, message_id="m1", actor="test")
    store.jobs.set_status(job_id, JobStatus.RUNNING, run_id="r1", actor="test")
    store.submissions.claim(key=key, job_id=job_id, directory=DIRECTORY, owner="w1", run_id="r1")
    store.submissions.finish(key, SubmissionOutcome(status=SubmissionStatus.REJECTED, reason="nope"))
    store.jobs.set_status(job_id, JobStatus.COMPLETED, actor="test")
    events = [h.event for h in store.audit.history(job_id)]
    assert events == ["created", "queued", "job_running", "claimed", "submission_rejected", "job_completed"]


def test_queue_history_cannot_be_rewritten(store):
    job_id, _ = _job(store)
    with psycopg.connect(store.dsn, autocommit=True) as conn:
        for statement in ("UPDATE queue_history SET event = 'x'", "DELETE FROM queue_history",
                          "TRUNCATE queue_history"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                conn.execute(statement)
        # The application's role lacks the privilege itself, trigger or not.
        conn.execute("SET ROLE dirbolt_app")
        conn.execute("INSERT INTO queue_history (entity, event) VALUES ('job', 'appended')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE queue_history SET event = 'x'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM queue_history")
    assert store.audit.history(job_id)[0].event == "created"


def test_directory_slots_space_submissions_by_the_rate_limit(store):
    store.directories.upsert([DIRECTORY])
    assert store.pacing.try_acquire(DIRECTORY.id, holder="a") == 0.0
    # Held: the other worker waits.
    assert store.pacing.try_acquire(DIRECTORY.id, holder="b") > 0
    store.pacing.release(DIRECTORY.id, holder="a", rate_limit_ms=DIRECTORY.rate_limit_ms)
    wait = store.pacing.try_acquire(DIRECTORY.id, holder="b")
    assert 0.1 < wait <= 0.3
    time.sleep(wait)
    assert store.pacing.try_acquire(DIRECTORY.id, holder="b") == 0.0


def test_stale_workers_view_lists_silent_workers(store):
    store.workers.heartbeat("alive", "running")
    store.workers.heartbeat("silent", "running")
    with psycopg.connect(store.dsn, autocommit=True) as conn:
        conn.execute("UPDATE worker_heartbeats SET last_seen_at = now() - interval '3 minutes' "
                     "WHERE worker_id = 'silent'")
    assert [w.worker_id for w in store.workers.stale()] == ["silent"]
    store.workers.heartbeat("silent", "idle")
    assert store.workers.stale() == []
