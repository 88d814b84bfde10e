"""Submissions of the new system, keyed by idempotency key: plan, claim, finish.

Live rows go to the shared `job_results`, shadow rows to `dirbolt_shadow_results` (db/shadow.py). The
legacy columns of a live row (submission_status and its timestamps, the job's counters) follow
dirbolt's status through triggers of migration 012.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from psycopg.types.json import Jsonb
from pydantic import BaseModel

from dirbolt_core.db.audit import record
from dirbolt_core.db.leases import owner_alive_sql
from dirbolt_core.db.legacy import INSERT_RESULT, RESULT_VALUES, column_limits, directory_columns
from dirbolt_core.db.pool import Database, reconnecting
from dirbolt_core.db.shadow import LATENCY_S, RESULTS, results_table
from dirbolt_core.models import Directory, SubmissionOutcome, SubmissionResult
from dirbolt_core.vocabulary import SubmissionStatus


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
                f"SELECT directory_id FROM {RESULTS} r WHERE job_id = %s ORDER BY created_at, directory_id",
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
                    INSERT_RESULT.format(table=results_table(shadow)) + ") " + RESULT_VALUES + """, 'pending')
                       ON CONFLICT (idempotency_key) DO NOTHING RETURNING id""",
                    {"key": key, "shadow": shadow, **directory_columns(conn, self._db.dsn, job_id, d)},
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
        table = results_table(shadow)
        # A claimed row's owner still holds its lease (alive, on any host): see db/leases.py.
        owner_alive = owner_alive_sql(f"{table}.claim_owner")
        with self._db.transaction() as conn:
            row = conn.execute(
                INSERT_RESULT.format(table=table) + """, claim_owner, claimed_at, started_at, run_id) """
                + RESULT_VALUES + f""", 'processing', %(owner)s, clock_timestamp(), clock_timestamp(),
                           %(run_id)s)
                   ON CONFLICT (idempotency_key) DO UPDATE SET
                       status = 'processing',
                       claim_owner = EXCLUDED.claim_owner, claimed_at = EXCLUDED.claimed_at,
                       started_at = EXCLUDED.started_at, run_id = EXCLUDED.run_id, reason = NULL,
                       updated_at = now()
                   WHERE {table}.status IN ('pending', 'failed')
                      OR ({table}.status = 'processing'
                          AND {table}.submit_started_at IS NULL
                          AND {table}.claim_owner IS DISTINCT FROM EXCLUDED.claim_owner
                          AND NOT {owner_alive})
                   RETURNING attempts, (xmax = 0) AS inserted""",
                {"key": key, "owner": owner, "run_id": run_id, "shadow": shadow,
                 **directory_columns(conn, self._db.dsn, job_id, directory)},
            ).fetchone()
            if row is not None:
                record(conn, entity="submission", event="claimed", job_id=job_id, directory_id=directory.id,
                       to_status="processing", detail={"attempts_so_far": row["attempts"], "new": row["inserted"]},
                       actor=owner)
                return Claim(claimed=True, status=SubmissionStatus.PROCESSING, attempts=row["attempts"])
            existing = conn.execute(
                f"SELECT status, attempts, submit_started_at, claim_owner, {owner_alive} AS owner_alive "
                f"FROM {table} WHERE idempotency_key = %s", (key,)).fetchone()
        status = SubmissionStatus(existing["status"])
        # Pressed and never recorded by an owner that is gone: nobody will ever record it.
        unknown = (status is SubmissionStatus.PROCESSING and existing["submit_started_at"] is not None
                   and not existing["owner_alive"] and existing["claim_owner"] != owner)
        return Claim(claimed=False, status=status, attempts=existing["attempts"], unknown_outcome=unknown)

    @reconnecting
    def record_attempt(self, key: str, *, shadow: bool = False) -> int:
        with self._db.connection() as conn:
            row = conn.execute(
                f"""UPDATE {results_table(shadow)} SET attempts = attempts + 1, claimed_at = clock_timestamp(),
                       updated_at = now()
                   WHERE idempotency_key = %s RETURNING attempts""",
                (key,),
            ).fetchone()
        return row["attempts"]

    @reconnecting
    def mark_submit_started(self, key: str, *, shadow: bool = False) -> None:
        """Written right before the final submit is pressed (see submit_started_at)."""
        with self._db.connection() as conn:
            conn.execute(
                f"UPDATE {results_table(shadow)} SET submit_started_at = clock_timestamp() WHERE idempotency_key = %s",
                (key,),
            )

    @reconnecting
    def clear_submit_started(self, key: str, *, shadow: bool = False) -> None:
        """The directory answered 429/5xx to the submit: nothing was accepted, a retry is safe."""
        with self._db.connection() as conn:
            conn.execute(f"UPDATE {results_table(shadow)} SET submit_started_at = NULL WHERE idempotency_key = %s",
                         (key,))

    @reconnecting
    def finish(self, key: str, outcome: SubmissionOutcome, *, actor: str | None = None,
               rate_limit_wait_ms: int | None = None, shadow: bool = False) -> None:
        table = results_table(shadow)
        with self._db.transaction() as conn:
            prev = conn.execute(
                f"SELECT job_id, directory_id, status, started_at FROM {table} WHERE idempotency_key = %s FOR UPDATE",
                (key,),
            ).fetchone()
            if prev is None:
                raise KeyError(f"no pre-written result for key {key[:12]}")
            status = outcome.status
            evidence = dict(outcome.evidence)
            listing_url = column_limits(conn, self._db.dsn).fit("job_results", "listing_url", outcome.listing_url)
            if listing_url != outcome.listing_url:
                evidence["listing_url"] = outcome.listing_url  # longer than the legacy column holds
            conn.execute(
                f"""UPDATE {table} SET
                       status = %(status)s, reason = %(reason)s,
                       rejection_reason = CASE WHEN %(status)s = 'rejected' THEN %(reason)s END,
                       error_message = CASE WHEN %(status)s = 'failed' THEN %(reason)s END,
                       listing_url = %(listing_url)s, confidence = %(confidence)s,
                       evidence = %(evidence)s, field_values = %(field_values)s,
                       screenshot_uri = %(screenshot_uri)s, html_uri = %(html_uri)s,
                       finished_at = clock_timestamp(),
                       -- whole seconds, as the legacy column holds them; dirbolt times from its timestamps
                       processing_time_seconds = round(EXTRACT(EPOCH FROM clock_timestamp() - started_at)),
                       rate_limit_wait_ms = COALESCE(%(wait)s, rate_limit_wait_ms),
                       retry_count = GREATEST(attempts - 1, 0),
                       submit_started_at = CASE WHEN %(status)s = 'failed' THEN NULL
                                                ELSE submit_started_at END,
                       claim_owner = NULL, updated_at = now()
                   WHERE idempotency_key = %(key)s""",
                {
                    "status": status.value,
                    "reason": outcome.reason,
                    "listing_url": listing_url,
                    "confidence": outcome.confidence,
                    "evidence": Jsonb(evidence),
                    "field_values": Jsonb(outcome.field_values),
                    "screenshot_uri": outcome.screenshot_uri,
                    "html_uri": outcome.html_uri,
                    "wait": rate_limit_wait_ms,
                    "key": key,
                },
            )
            record(conn, entity="submission", event=f"submission_{status.value}", job_id=prev["job_id"],
                   directory_id=prev["directory_id"], from_status=prev["status"], to_status=status.value,
                   detail={"reason": outcome.reason, "confidence": outcome.confidence,
                           **({"shadow": True} if shadow else {})}, actor=actor)

    @reconnecting
    def results(self, job_id: uuid.UUID | str) -> list[SubmissionResult]:
        """A job's rows on dirbolt's scale, live or shadow (a job is one or the other)."""
        with self._db.connection() as conn:
            rows = conn.execute(
                f"""SELECT idempotency_key, job_id, directory_id, directory_name, status, reason,
                          listing_url, attempts, confidence, screenshot_uri, html_uri,
                          COALESCE(field_values, '{{}}'::jsonb) AS field_values,
                          COALESCE(evidence, '{{}}'::jsonb) AS evidence, started_at, finished_at,
                          {LATENCY_S} AS processing_time_seconds, rate_limit_wait_ms
                   FROM {RESULTS} r WHERE job_id = %s
                   ORDER BY directory_id""",
                (job_id,),
            ).fetchall()
        return [SubmissionResult.model_validate(r) for r in rows]

    def recent_counts(self, *, minutes: int = 60) -> SubmissionCounts:
        """Finished and failed submissions of the new system in the last `minutes`, shadow runs included."""
        with self._db.connection() as conn:
            row = conn.execute(
                f"""SELECT count(*) FILTER (WHERE status NOT IN ('pending', 'processing')) AS finished,
                          count(*) FILTER (WHERE status = 'failed') AS failed
                   FROM {RESULTS} r WHERE finished_at > now() - make_interval(mins => %s)""",
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
        """Finished rows straight into job_results: no claim, no audit (synthetic data only; migration
        012's triggers give them their legacy columns)."""
        with self._db.transaction() as conn, conn.cursor() as cur:
            cur.executemany(
                """INSERT INTO job_results (idempotency_key, job_id, customer_id, directory_id, directory_name,
                       directory_url, status, reason, rejection_reason, error_message, listing_url, attempts,
                       screenshot_uri, html_uri, evidence, started_at, finished_at, processing_time_seconds,
                       rate_limit_wait_ms, created_at)
                   VALUES (%(key)s, %(job_id)s, (SELECT customer_id FROM jobs WHERE id = %(job_id)s),
                       %(directory_id)s, %(directory_name)s, %(directory_url)s, %(status)s, %(reason)s,
                       CASE WHEN %(status)s = 'rejected' THEN %(reason)s END,
                       CASE WHEN %(status)s = 'failed' THEN %(reason)s END, %(listing_url)s, %(attempts)s,
                       %(screenshot_uri)s, %(html_uri)s, %(evidence)s,
                       %(finished_at)s - make_interval(secs => %(processing_time_seconds)s), %(finished_at)s,
                       %(processing_time_seconds)s, %(rate_limit_wait_ms)s,
                       %(finished_at)s - make_interval(secs => %(processing_time_seconds)s))""",
                [{**r.model_dump(), "status": r.status.value, "evidence": Jsonb({"synthetic": True})}
                 for r in rows],
            )
        return len(rows)
