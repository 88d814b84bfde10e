"""Submissions (`job_results` rows of the new system, keyed by idempotency key): plan, claim, finish."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from psycopg.types.json import Jsonb
from pydantic import BaseModel

from dirbolt_core.db.audit import record
from dirbolt_core.db.leases import owner_alive_sql
from dirbolt_core.db.pool import Database, reconnecting
from dirbolt_core.models import Directory, SubmissionOutcome, SubmissionResult
from dirbolt_core.vocabulary import SubmissionStatus

# Legacy columns keep the legacy writer's scale: needs_manual has no legacy
# equivalent and reads as pending (a person still has to act).
_LEGACY_STATUS = {
    SubmissionStatus.NEEDS_MANUAL: "pending",
}


# A claimed row's owner still holds its lease (alive, on any host): see db/leases.py.
_ROW_OWNER_ALIVE = owner_alive_sql("job_results.claim_owner")


def legacy_submission_status(status: SubmissionStatus) -> str:
    return _LEGACY_STATUS.get(status, status.value)


class Claim(BaseModel, frozen=True):
    """The answer to 'may I submit this key now?'."""

    claimed: bool
    status: SubmissionStatus
    attempts: int
    # Set when a previous attempt pressed submit and never recorded an outcome.
    unknown_outcome: bool = False


class DuplicateSubmission(BaseModel):
    directory_id: str
    successes: int


class SubmissionCounts(BaseModel):
    finished: int
    failed: int


class FinishedRow(BaseModel):
    """A finished row written without a browser (synthetic results for reports and metrics)."""

    key: str
    job_id: uuid.UUID
    directory_id: str
    directory_name: str
    directory_url: str | None
    status: SubmissionStatus
    finished_at: dt.datetime
    processing_time_seconds: float | None
    rate_limit_wait_ms: int
    reason: str | None = None
    listing_url: str | None = None
    screenshot_uri: str | None = None
    html_uri: str | None = None
    attempts: int = 1


class SubmissionRepository:
    def __init__(self, db: Database):
        self._db = db

    @reconnecting
    def planned_directory_ids(self, job_id: uuid.UUID | str) -> list[str]:
        with self._db.connection() as conn:
            rows = conn.execute(
                "SELECT directory_id FROM job_results WHERE job_id = %s AND idempotency_key IS NOT NULL "
                "ORDER BY created_at, directory_id",
                (job_id,),
            ).fetchall()
        return [r["directory_id"] for r in rows]

    def save_plan(self, job_id: uuid.UUID, planned: Sequence[tuple[str, Directory]], *, actor: str,
                  shadow: bool = False, short_by: int = 0, shortfall: str | None = None) -> int:
        """Pre-write a pending row per planned directory (key, directory). Idempotent; returns rows added.

        The plan is durable: a rerun submits what is left of the same plan even if the
        catalog changed since. `short_by`: how many directories the package lacks (recorded on the job).
        """
        added = 0
        with self._db.transaction() as conn:
            conn.execute("UPDATE jobs SET short_by = %s WHERE id = %s", (short_by, job_id))
            if short_by:
                record(conn, entity="job", event="plan_short", job_id=job_id,
                       detail={"short_by": short_by, "reason": shortfall}, actor=actor)
            for key, d in planned:
                row = conn.execute(
                    """INSERT INTO job_results (idempotency_key, job_id, directory_id, directory_name,
                           directory_url, status, submission_status, shadow)
                       VALUES (%s, %s, %s, %s, %s, 'pending', 'pending', %s)
                       ON CONFLICT (idempotency_key) DO NOTHING RETURNING id""",
                    (key, job_id, d.id, d.name, str(d.submission_url), shadow),
                ).fetchone()
                added += row is not None
            if added:
                record(conn, entity="job", event="planned", job_id=job_id,
                       detail={"directories": [d.id for _, d in planned], "added": added}, actor=actor)
        return added

    @reconnecting
    def claim(self, *, key: str, job_id: uuid.UUID, directory: Directory, owner: str, run_id: str | None,
              shadow: bool = False) -> Claim:
        """Pre-write the result row under its idempotency key and take it.

        Claimed when the row is new, when it failed before (a rerun finishes what is left), or
        when it is an orphan of a dead worker that never pressed submit. The caller holds its
        WorkerLease (db/leases.py): a row is an orphan when its owner holds none, so a live
        worker's rows, on this host or another, are never taken.
        """
        with self._db.transaction() as conn:
            row = conn.execute(
                f"""INSERT INTO job_results (idempotency_key, job_id, directory_id, directory_name,
                       directory_url, status, submission_status, claim_owner, claimed_at, started_at,
                       run_id, shadow)
                   VALUES (%(key)s, %(job_id)s, %(dir_id)s, %(dir_name)s, %(dir_url)s, 'processing',
                           'processing', %(owner)s, clock_timestamp(), clock_timestamp(), %(run_id)s,
                           %(shadow)s)
                   ON CONFLICT (idempotency_key) DO UPDATE SET
                       status = 'processing', submission_status = 'processing',
                       claim_owner = EXCLUDED.claim_owner, claimed_at = EXCLUDED.claimed_at,
                       started_at = EXCLUDED.started_at, run_id = EXCLUDED.run_id, reason = NULL,
                       updated_at = now()
                   WHERE job_results.status IN ('pending', 'failed')
                      OR (job_results.status = 'processing'
                          AND job_results.submit_started_at IS NULL
                          AND job_results.claim_owner IS DISTINCT FROM EXCLUDED.claim_owner
                          AND NOT {_ROW_OWNER_ALIVE})
                   RETURNING attempts, (xmax = 0) AS inserted""",
                {"key": key, "job_id": job_id, "dir_id": directory.id, "dir_name": directory.name,
                 "dir_url": str(directory.submission_url), "owner": owner, "run_id": run_id,
                 "shadow": shadow},
            ).fetchone()
            if row is not None:
                record(conn, entity="submission", event="claimed", job_id=job_id, directory_id=directory.id,
                       to_status="processing", detail={"attempts_so_far": row["attempts"], "new": row["inserted"]},
                       actor=owner)
                return Claim(claimed=True, status=SubmissionStatus.PROCESSING, attempts=row["attempts"])
            existing = conn.execute(
                f"SELECT status, attempts, submit_started_at, claim_owner, {_ROW_OWNER_ALIVE} AS owner_alive "
                "FROM job_results WHERE idempotency_key = %s", (key,)).fetchone()
        status = SubmissionStatus(existing["status"])
        # Pressed and never recorded by an owner that is gone: nobody will ever record it.
        unknown = (status is SubmissionStatus.PROCESSING and existing["submit_started_at"] is not None
                   and not existing["owner_alive"] and existing["claim_owner"] != owner)
        return Claim(claimed=False, status=status, attempts=existing["attempts"], unknown_outcome=unknown)

    @reconnecting
    def record_attempt(self, key: str) -> int:
        with self._db.connection() as conn:
            row = conn.execute(
                """UPDATE job_results SET attempts = attempts + 1, claimed_at = clock_timestamp(),
                       updated_at = now()
                   WHERE idempotency_key = %s RETURNING attempts""",
                (key,),
            ).fetchone()
        return row["attempts"]

    @reconnecting
    def mark_submit_started(self, key: str) -> None:
        """Written right before the final submit is pressed (see submit_started_at)."""
        with self._db.connection() as conn:
            conn.execute(
                "UPDATE job_results SET submit_started_at = clock_timestamp() WHERE idempotency_key = %s",
                (key,),
            )

    @reconnecting
    def clear_submit_started(self, key: str) -> None:
        """The directory answered 429/5xx to the submit: nothing was accepted, a retry is safe."""
        with self._db.connection() as conn:
            conn.execute("UPDATE job_results SET submit_started_at = NULL WHERE idempotency_key = %s", (key,))

    @reconnecting
    def finish(self, key: str, outcome: SubmissionOutcome, *, actor: str | None = None,
               rate_limit_wait_ms: int | None = None) -> None:
        with self._db.transaction() as conn:
            prev = conn.execute(
                "SELECT job_id, directory_id, status, started_at FROM job_results "
                "WHERE idempotency_key = %s FOR UPDATE",
                (key,),
            ).fetchone()
            if prev is None:
                raise KeyError(f"no pre-written result for key {key[:12]}")
            status = outcome.status
            conn.execute(
                """UPDATE job_results SET
                       status = %(status)s, submission_status = %(legacy)s, reason = %(reason)s,
                       rejection_reason = CASE WHEN %(status)s = 'rejected' THEN %(reason)s END,
                       error_message = CASE WHEN %(status)s = 'failed' THEN %(reason)s END,
                       listing_url = %(listing_url)s, confidence = %(confidence)s,
                       evidence = %(evidence)s, field_values = %(field_values)s,
                       screenshot_uri = %(screenshot_uri)s, html_uri = %(html_uri)s,
                       finished_at = clock_timestamp(),
                       processing_time_seconds = EXTRACT(EPOCH FROM clock_timestamp() - started_at),
                       rate_limit_wait_ms = COALESCE(%(wait)s, rate_limit_wait_ms),
                       submit_started_at = CASE WHEN %(status)s = 'failed' THEN NULL
                                                ELSE submit_started_at END,
                       claim_owner = NULL, updated_at = now()
                   WHERE idempotency_key = %(key)s""",
                {
                    "status": status.value,
                    "legacy": legacy_submission_status(status),
                    "reason": outcome.reason,
                    "listing_url": outcome.listing_url,
                    "confidence": outcome.confidence,
                    "evidence": Jsonb(outcome.evidence),
                    "field_values": Jsonb(outcome.field_values),
                    "screenshot_uri": outcome.screenshot_uri,
                    "html_uri": outcome.html_uri,
                    "wait": rate_limit_wait_ms,
                    "key": key,
                },
            )
            record(conn, entity="submission", event=f"submission_{status.value}", job_id=prev["job_id"],
                   directory_id=prev["directory_id"], from_status=prev["status"], to_status=status.value,
                   detail={"reason": outcome.reason, "confidence": outcome.confidence}, actor=actor)

    @reconnecting
    def results(self, job_id: uuid.UUID | str) -> list[SubmissionResult]:
        with self._db.connection() as conn:
            rows = conn.execute(
                """SELECT idempotency_key, job_id, directory_id, directory_name, status, reason,
                          listing_url, attempts, confidence, screenshot_uri, html_uri,
                          COALESCE(field_values, '{}'::jsonb) AS field_values,
                          COALESCE(evidence, '{}'::jsonb) AS evidence, started_at, finished_at,
                          processing_time_seconds::float AS processing_time_seconds, rate_limit_wait_ms
                   FROM job_results WHERE job_id = %s AND idempotency_key IS NOT NULL
                   ORDER BY directory_id""",
                (job_id,),
            ).fetchall()
        return [SubmissionResult.model_validate(r) for r in rows]

    def recent_counts(self, *, minutes: int = 60) -> SubmissionCounts:
        """Finished and failed submissions of the new system in the last `minutes`."""
        with self._db.connection() as conn:
            row = conn.execute(
                """SELECT count(*) FILTER (WHERE status NOT IN ('pending', 'processing')) AS finished,
                          count(*) FILTER (WHERE status = 'failed') AS failed
                   FROM job_results
                   WHERE idempotency_key IS NOT NULL AND finished_at > now() - make_interval(mins => %s)""",
                (minutes,),
            ).fetchone()
        return SubmissionCounts.model_validate(row)

    def duplicates(self, job_id: uuid.UUID | str) -> list[DuplicateSubmission]:
        """Directories of a job with more than one accepted submission (rows or audited successes)."""
        with self._db.connection() as conn:
            rows = conn.execute(
                """SELECT directory_id, count(*) AS successes FROM (
                       SELECT directory_id FROM job_results
                       WHERE job_id = %(job)s AND status IN ('submitted', 'approved')
                   ) r GROUP BY directory_id HAVING count(*) > 1
                   UNION
                   SELECT directory_id, count(*) AS successes FROM queue_history
                   WHERE job_id = %(job)s AND entity = 'submission'
                     AND event IN ('submission_submitted', 'submission_approved')
                   GROUP BY directory_id HAVING count(*) > 1""",
                {"job": job_id},
            ).fetchall()
        return [DuplicateSubmission.model_validate(r) for r in rows]

    def insert_finished(self, rows: Sequence[FinishedRow]) -> int:
        """Finished rows straight into job_results: no claim, no audit (synthetic data only)."""
        with self._db.transaction() as conn, conn.cursor() as cur:
            cur.executemany(
                """INSERT INTO job_results (idempotency_key, job_id, directory_id, directory_name, directory_url,
                       status, submission_status, reason, rejection_reason, error_message, listing_url, attempts,
                       screenshot_uri, html_uri, evidence, started_at, finished_at, processing_time_seconds,
                       rate_limit_wait_ms, created_at)
                   VALUES (%(key)s, %(job_id)s, %(directory_id)s, %(directory_name)s, %(directory_url)s,
                       %(status)s, %(legacy)s, %(reason)s,
                       CASE WHEN %(status)s = 'rejected' THEN %(reason)s END,
                       CASE WHEN %(status)s = 'failed' THEN %(reason)s END, %(listing_url)s, %(attempts)s,
                       %(screenshot_uri)s, %(html_uri)s, %(evidence)s,
                       %(finished_at)s - make_interval(secs => %(processing_time_seconds)s), %(finished_at)s,
                       %(processing_time_seconds)s, %(rate_limit_wait_ms)s,
                       %(finished_at)s - make_interval(secs => %(processing_time_seconds)s))""",
                [{**r.model_dump(), "status": r.status.value, "legacy": legacy_submission_status(r.status),
                  "evidence": Jsonb({"synthetic": True})} for r in rows],
            )
        return len(rows)
