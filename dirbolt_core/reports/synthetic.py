"""Synthetic finished submissions written straight into job_results, for report and metric demos/tests.

Not a submission path: no browser, no claims, no audit. Rows carry idempotency keys like real
ones, so every reader (reports, metrics, checks) treats them as the new system's results (and
migration 012's triggers give them their legacy columns).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from psycopg.types.json import Jsonb

from dirbolt_core.db.store import Store
from dirbolt_core.idempotency import idempotency_key
from dirbolt_core.vocabulary import Priority, SubmissionStatus


@dataclass
class SyntheticResult:
    directory_id: str
    status: SubmissionStatus
    finished_at: dt.datetime
    processing_time_seconds: float | None = 20.0
    rate_limit_wait_ms: int = 0
    reason: str | None = None
    listing_url: str | None = None
    screenshot_uri: str | None = None
    html_uri: str | None = None
    directory_name: str | None = None
    attempts: int = 1


def synthetic_job(store: Store, business_data: dict, *, package_size: int, customer_id: str = "synthetic",
                  priority: Priority = Priority.STARTER, queued_at: dt.datetime | None = None,
                  started_at: dt.datetime | None = None, completed_at: dt.datetime | None = None,
                  job_id: uuid.UUID | None = None) -> uuid.UUID:
    """A job of the new system with the given queue/run timestamps (status follows from them)."""
    job_id = job_id or uuid.uuid4()
    store.create_job(job_id=job_id, customer_id=customer_id, package_size=package_size, priority=priority,
                     business_data=business_data)
    status = "completed" if completed_at else "running" if started_at else "queued" if queued_at else "pending"
    with store.connection() as conn:
        conn.execute(
            """UPDATE jobs SET dirbolt_status = %(status)s, queued_at = %(queued)s, dirbolt_started_at = %(started)s,
                   dirbolt_completed_at = %(completed)s, created_at = COALESCE(%(queued)s, created_at),
                   status = CASE WHEN routing = 'live' THEN COALESCE(dirbolt_legacy_job_status(%(status)s), status)
                                 ELSE status END
               WHERE id = %(job)s""",
            {"status": status, "queued": queued_at, "started": started_at, "completed": completed_at, "job": job_id})
    return job_id


def seed_results(store: Store, job_id: uuid.UUID, results: Sequence[SyntheticResult]) -> int:
    """Insert finished rows for a job (one per directory, as the idempotency key demands)."""
    job = store.job(job_id)
    if job is None:
        raise LookupError(f"job {job_id} not found")
    names = {d.id: (d.name, str(d.submission_url)) for d in store.directories(active_only=False)}
    with store.transaction() as conn, conn.cursor() as cur:
        cur.executemany(
            """INSERT INTO job_results (idempotency_key, job_id, customer_id, directory_id, directory_name,
                   directory_url, status, reason, rejection_reason, error_message, listing_url, attempts,
                   screenshot_uri, html_uri, evidence, started_at, finished_at, processing_time_seconds,
                   rate_limit_wait_ms, created_at)
               VALUES (%(key)s, %(job)s, %(customer)s, %(dir)s, %(name)s, %(url)s, %(status)s, %(reason)s,
                   CASE WHEN %(status)s = 'rejected' THEN %(reason)s END,
                   CASE WHEN %(status)s = 'failed' THEN %(reason)s END, %(listing)s, %(attempts)s,
                   %(shot)s, %(html)s, %(evidence)s,
                   %(finished)s - make_interval(secs => %(secs)s), %(finished)s, %(secs)s, %(wait)s,
                   %(finished)s - make_interval(secs => %(secs)s))""",
            [{"key": idempotency_key(job_id, r.directory_id, job.business_data), "job": job_id,
              "customer": job.customer_id,
              "dir": r.directory_id, "name": r.directory_name or names.get(r.directory_id, (r.directory_id,))[0],
              "url": names.get(r.directory_id, (None, None))[1], "status": r.status.value,
              "reason": r.reason, "listing": r.listing_url,
              "attempts": r.attempts, "shot": r.screenshot_uri, "html": r.html_uri,
              "evidence": Jsonb({"synthetic": True}), "finished": r.finished_at,
              "secs": r.processing_time_seconds, "wait": r.rate_limit_wait_ms} for r in results],
        )
    return len(results)
