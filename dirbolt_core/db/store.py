"""The system of record: one DAO over PostgreSQL (psycopg 3, pooled)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool, PoolTimeout
from tenacity import retry, retry_if_exception_type, stop_after_delay, wait_exponential

from dirbolt_core.db.leases import owner_alive_sql
from dirbolt_core.migration.compare import Comparison
from dirbolt_core.migration.routing import Mode, RolloutSettings, route
from dirbolt_core.models import Directory, Job, SubmissionOutcome, SubmissionResult
from dirbolt_core.vocabulary import JobStatus, Priority, SubmissionStatus, job_status_from_db

# Legacy columns keep the legacy writer's scale: needs_manual has no legacy
# equivalent and reads as pending (a person still has to act).
_LEGACY_STATUS = {
    SubmissionStatus.NEEDS_MANUAL: "pending",
}


# A claimed row's owner still holds its lease (alive, on any host): see db/leases.py.
_ROW_OWNER_ALIVE = owner_alive_sql("job_results.claim_owner")


def legacy_submission_status(status: SubmissionStatus) -> str:
    return _LEGACY_STATUS.get(status, status.value)


# A database restart or failover drops connections for a few seconds. The calls a running
# job makes are idempotent (claims, finishes, heartbeats re-assert the same state), so they
# wait it out instead of failing the job.
reconnecting = retry(
    retry=retry_if_exception_type((psycopg.OperationalError, PoolTimeout)),
    wait=wait_exponential(multiplier=0.25, max=5),
    stop=stop_after_delay(60),
    reraise=True,
)


@dataclass(frozen=True)
class Claim:
    """The answer to 'may I submit this key now?'."""

    claimed: bool
    status: SubmissionStatus
    attempts: int
    # Set when a previous attempt pressed submit and never recorded an outcome.
    unknown_outcome: bool = False


class Store:
    def __init__(self, dsn: str, *, min_size: int = 1, max_size: int = 10, role: str | None = None):
        self.dsn = dsn
        self._role = role
        self._pool = ConnectionPool(
            dsn,
            min_size=min_size,
            max_size=max_size,
            kwargs={"autocommit": True, "row_factory": dict_row},
            configure=self._configure if role else None,
            # A connection that died with a database restart is replaced, not handed out.
            check=ConnectionPool.check_connection,
            open=True,
            name="dirbolt-store",
        )

    def _configure(self, conn: psycopg.Connection) -> None:
        conn.execute(psycopg.sql.SQL("SET ROLE {}").format(psycopg.sql.Identifier(self._role)))

    def close(self) -> None:
        self._pool.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        with self._pool.connection() as conn:
            yield conn

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection]:
        with self._pool.connection() as conn, conn.transaction():
            yield conn

    # ------------------------------------------------------------------ audit
    @staticmethod
    def _history(
        conn: psycopg.Connection,
        *,
        entity: str,
        event: str,
        job_id: uuid.UUID | str | None = None,
        directory_id: str | None = None,
        from_status: str | None = None,
        to_status: str | None = None,
        detail: dict[str, Any] | None = None,
        actor: str | None = None,
    ) -> None:
        conn.execute(
            """INSERT INTO queue_history (entity, job_id, directory_id, event, from_status, to_status,
                                          detail, actor)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s)""",
            (entity, job_id, directory_id, event, from_status, to_status,
             Jsonb(detail) if detail is not None else None, actor),
        )

    @reconnecting
    def append_history(self, **kwargs: Any) -> None:
        with self.connection() as conn:
            self._history(conn, **kwargs)

    def history(self, job_id: uuid.UUID | str | None = None, *, entity: str | None = None) -> list[dict]:
        clauses, params = [], []
        if job_id is not None:
            clauses.append("job_id = %s")
            params.append(job_id)
        if entity is not None:
            clauses.append("entity = %s")
            params.append(entity)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with self.connection() as conn:
            return conn.execute(f"SELECT * FROM queue_history {where} ORDER BY id", params).fetchall()

    # ------------------------------------------------------------- directories
    def upsert_directories(self, directories: Sequence[Directory]) -> int:
        with self.transaction() as conn:
            for d in directories:
                conn.execute(
                    """INSERT INTO directories (id, name, url, submission_url, category, tier,
                           domain_authority, priority, rate_limit_ms, requires_login, has_captcha,
                           is_active, selectors, submit_selector, notes, updated_at)
                       VALUES (%(id)s, %(name)s, %(url)s, %(submission_url)s, %(category)s, %(tier)s,
                           %(domain_authority)s, %(priority)s, %(rate_limit_ms)s, %(requires_login)s,
                           %(has_captcha)s, %(is_active)s, %(selectors)s, %(submit_selector)s, %(notes)s,
                           now())
                       ON CONFLICT (id) DO UPDATE SET
                           name = EXCLUDED.name, url = EXCLUDED.url,
                           submission_url = EXCLUDED.submission_url, category = EXCLUDED.category,
                           tier = EXCLUDED.tier, domain_authority = EXCLUDED.domain_authority,
                           priority = EXCLUDED.priority, rate_limit_ms = EXCLUDED.rate_limit_ms,
                           requires_login = EXCLUDED.requires_login, has_captcha = EXCLUDED.has_captcha,
                           is_active = EXCLUDED.is_active, selectors = EXCLUDED.selectors,
                           submit_selector = EXCLUDED.submit_selector, notes = EXCLUDED.notes,
                           updated_at = now()""",
                    {
                        **d.model_dump(mode="json", exclude={"selectors"}),
                        "selectors": Jsonb(d.selectors),
                    },
                )
        return len(directories)

    @reconnecting
    def directories(self, *, active_only: bool = True) -> list[Directory]:
        sql = "SELECT * FROM directories"
        if active_only:
            sql += " WHERE is_active"
        with self.connection() as conn:
            return [Directory.model_validate(r) for r in conn.execute(sql + " ORDER BY id").fetchall()]

    def directory(self, directory_id: str) -> Directory | None:
        with self.connection() as conn:
            row = conn.execute("SELECT * FROM directories WHERE id = %s", (directory_id,)).fetchone()
        return Directory.model_validate(row) if row else None

    # -------------------------------------------------------------------- jobs
    def upsert_customer(self, customer_id: str, *, name: str | None = None, email: str | None = None) -> None:
        with self.connection() as conn:
            conn.execute(
                """INSERT INTO customers (id, name, email) VALUES (%s, %s, %s)
                   ON CONFLICT (id) DO UPDATE SET name = COALESCE(EXCLUDED.name, customers.name),
                                                  email = COALESCE(EXCLUDED.email, customers.email)""",
                (customer_id, name, email),
            )

    def create_job(
        self,
        *,
        job_id: uuid.UUID,
        customer_id: str,
        package_size: int,
        priority: Priority,
        business_data: dict[str, Any],
        status: JobStatus | None = None,
    ) -> bool:
        """Insert a job as the customer's order (status 'pending', the legacy word: ordered, not queued).

        Returns False when the job already exists; its data is left as it is.
        """
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO customers (id) VALUES (%s) ON CONFLICT (id) DO NOTHING", (customer_id,)
            )
            row = conn.execute(
                """INSERT INTO jobs (id, customer_id, package_type, directory_limit, priority_level,
                                     priority, package_size, status, business_data, source)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, 'dirbolt')
                   ON CONFLICT (id) DO NOTHING RETURNING id""",
                (job_id, customer_id, priority.value, package_size, priority.rank, priority.value,
                 package_size, status.value if status else "pending", Jsonb(business_data)),
            ).fetchone()
            if row:
                self._history(conn, entity="job", event="created", job_id=job_id,
                              to_status=status.value if status else "pending")
            return row is not None

    @reconnecting
    def job(self, job_id: uuid.UUID | str) -> Job | None:
        with self.connection() as conn:
            row = conn.execute(
                """SELECT id, customer_id,
                          COALESCE(package_size, directory_limit) AS package_size,
                          COALESCE(priority, package_type) AS priority,
                          status, business_data, created_at, started_at, completed_at,
                          error_message AS error
                   FROM jobs WHERE id = %s""",
                (job_id,),
            ).fetchone()
        if row is None:
            return None
        row["status"] = job_status_from_db(row["status"])
        return Job.model_validate(row)

    def job_raw(self, job_id: uuid.UUID | str) -> dict | None:
        with self.connection() as conn:
            return conn.execute("SELECT * FROM jobs WHERE id = %s", (job_id,)).fetchone()

    def mark_job_queued(self, job_id: uuid.UUID, *, message_id: str | None, actor: str,
                        package_size: int | None = None, priority: Priority | None = None) -> bool:
        """Make an accepted message durable as a queued job. True if this call queued it.

        The message's package and priority win over the order's; a job already queued,
        running or finished is left alone (a redelivered message is a duplicate, not an error).
        """
        with self.transaction() as conn:
            row = conn.execute(
                """UPDATE jobs SET status = 'queued', queued_at = now(), message_id = %s, updated_at = now(),
                       package_size = COALESCE(%s, package_size), directory_limit = COALESCE(%s, directory_limit),
                       priority = COALESCE(%s, priority), package_type = COALESCE(%s, package_type),
                       priority_level = COALESCE(%s, priority_level), source = 'dirbolt'
                   WHERE id = %s AND (status IS NULL OR status = 'pending')
                   RETURNING id""",
                (message_id, package_size, package_size, priority and priority.value,
                 priority and priority.value, priority and priority.rank, job_id),
            ).fetchone()
            if row:
                self._history(conn, entity="job", event="queued", job_id=job_id, to_status="queued",
                              detail={"message_id": message_id}, actor=actor)
            return row is not None

    @reconnecting
    def set_job_status(
        self,
        job_id: uuid.UUID | str,
        status: JobStatus,
        *,
        error: str | None = None,
        run_id: str | None = None,
        actor: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> str | None:
        """Move a job to status; returns the previous status. Audited."""
        with self.transaction() as conn:
            prev = conn.execute("SELECT status FROM jobs WHERE id = %s FOR UPDATE", (job_id,)).fetchone()
            if prev is None:
                raise KeyError(f"job {job_id} not found")
            conn.execute(
                """UPDATE jobs SET status = %(status)s, updated_at = now(),
                       error_message = CASE WHEN %(status)s IN ('failed', 'rejected') THEN %(error)s
                                            ELSE error_message END,
                       run_id = COALESCE(%(run_id)s, run_id),
                       started_at = CASE WHEN %(status)s = 'running' THEN COALESCE(started_at, now())
                                         ELSE started_at END,
                       completed_at = CASE WHEN %(status)s IN ('completed', 'failed', 'rejected')
                                           THEN now() ELSE NULL END
                   WHERE id = %(job_id)s""",
                {"status": status.value, "error": error, "run_id": run_id, "job_id": job_id},
            )
            if prev["status"] != status.value or error:
                self._history(conn, entity="job", event=f"job_{status.value}", job_id=job_id,
                              from_status=prev["status"], to_status=status.value,
                              detail={**(detail or {}), **({"error": error} if error else {}),
                                      **({"run_id": run_id} if run_id else {})},
                              actor=actor)
            return prev["status"]

    def jobs_with_status(self, status: JobStatus, *, limit: int = 100) -> list[uuid.UUID]:
        with self.connection() as conn:
            rows = conn.execute(
                "SELECT id FROM jobs WHERE status = %s AND source = 'dirbolt' ORDER BY queued_at LIMIT %s",
                (status.value, limit),
            ).fetchall()
        return [r["id"] for r in rows]

    # ------------------------------------------------------------- submissions
    @reconnecting
    def planned_directory_ids(self, job_id: uuid.UUID | str) -> list[str]:
        with self.connection() as conn:
            rows = conn.execute(
                "SELECT directory_id FROM job_results WHERE job_id = %s AND idempotency_key IS NOT NULL "
                "ORDER BY created_at, directory_id",
                (job_id,),
            ).fetchall()
        return [r["directory_id"] for r in rows]

    def save_plan(self, job_id: uuid.UUID, planned: Sequence[tuple[str, Directory]], *, actor: str,
                  shadow: bool = False) -> int:
        """Pre-write a pending row per planned directory (key, directory). Idempotent; returns rows added.

        The plan is durable: a rerun submits what is left of the same plan even if the
        catalog changed since.
        """
        added = 0
        with self.transaction() as conn:
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
                self._history(conn, entity="job", event="planned", job_id=job_id,
                              detail={"directories": [d.id for _, d in planned], "added": added}, actor=actor)
        return added

    @reconnecting
    def claim_submission(
        self,
        *,
        key: str,
        job_id: uuid.UUID,
        directory: Directory,
        owner: str,
        run_id: str | None,
        shadow: bool = False,
    ) -> Claim:
        """Pre-write the result row under its idempotency key and take it.

        Claimed when the row is new, when it failed before (a rerun finishes what is
        left), or when it is an orphan of a dead worker that never pressed submit. The
        caller must hold its WorkerLease (db/leases.py): a row is an orphan when its owner
        holds none, so a live worker's rows, on this host or another, are never taken.
        """
        with self.transaction() as conn:
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
                self._history(conn, entity="submission", event="claimed", job_id=job_id,
                              directory_id=directory.id, to_status="processing",
                              detail={"attempts_so_far": row["attempts"], "new": row["inserted"]},
                              actor=owner)
                return Claim(True, SubmissionStatus.PROCESSING, row["attempts"])
            existing = conn.execute(
                f"SELECT status, attempts, submit_started_at, claim_owner, {_ROW_OWNER_ALIVE} AS owner_alive "
                "FROM job_results WHERE idempotency_key = %s",
                (key,),
            ).fetchone()
        status = SubmissionStatus(existing["status"])
        # Pressed and never recorded by an owner that is gone: nobody will ever record it.
        unknown = (status is SubmissionStatus.PROCESSING and existing["submit_started_at"] is not None
                   and not existing["owner_alive"] and existing["claim_owner"] != owner)
        return Claim(False, status, existing["attempts"], unknown_outcome=unknown)

    @reconnecting
    def record_attempt(self, key: str) -> int:
        with self.connection() as conn:
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
        with self.connection() as conn:
            conn.execute(
                "UPDATE job_results SET submit_started_at = clock_timestamp() WHERE idempotency_key = %s",
                (key,),
            )

    @reconnecting
    def clear_submit_started(self, key: str) -> None:
        """The directory answered 429/5xx to the submit: nothing was accepted, a retry is safe."""
        with self.connection() as conn:
            conn.execute("UPDATE job_results SET submit_started_at = NULL WHERE idempotency_key = %s", (key,))

    @reconnecting
    def finish_submission(
        self,
        key: str,
        outcome: SubmissionOutcome,
        *,
        actor: str | None = None,
        rate_limit_wait_ms: int | None = None,
    ) -> None:
        with self.transaction() as conn:
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
            self._history(conn, entity="submission", event=f"submission_{status.value}",
                          job_id=prev["job_id"], directory_id=prev["directory_id"],
                          from_status=prev["status"], to_status=status.value,
                          detail={"reason": outcome.reason, "confidence": outcome.confidence},
                          actor=actor)

    @reconnecting
    def results(self, job_id: uuid.UUID | str) -> list[SubmissionResult]:
        with self.connection() as conn:
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

    # --------------------------------------------------------------- pacing
    @reconnecting
    def try_acquire_directory_slot(
        self, directory_id: str, *, holder: str, lease_s: float = 120.0, priority: int = 0
    ) -> float:
        """Try to take a directory's submission slot.

        Returns 0.0 when taken, else the seconds to wait before trying again. The slot is
        a lease: one holder at a time per directory, across every process, and it frees
        itself if the holder dies. Waiters are ranked: a higher priority (enterprise) goes
        first, then whoever waited longest; a waiter that stopped polling is ignored.
        """
        with self.transaction() as conn:
            conn.execute(
                """INSERT INTO directory_rate_limits (directory_id, next_slot_at) VALUES (%s, 'epoch')
                   ON CONFLICT (directory_id) DO NOTHING""",
                (directory_id,),
            )
            row = conn.execute(
                """SELECT holder,
                          EXTRACT(EPOCH FROM held_until - clock_timestamp())::float AS held_for_s,
                          EXTRACT(EPOCH FROM next_slot_at - clock_timestamp())::float AS wait_s
                   FROM directory_rate_limits WHERE directory_id = %s FOR UPDATE""",
                (directory_id,),
            ).fetchone()
            me = conn.execute(
                """INSERT INTO directory_slot_waiters (directory_id, holder, priority) VALUES (%s, %s, %s)
                   ON CONFLICT (directory_id, holder) DO UPDATE SET polled_at = clock_timestamp(),
                       priority = EXCLUDED.priority
                   RETURNING since""",
                (directory_id, holder, priority),
            ).fetchone()
            if row["holder"] is not None and (row["held_for_s"] or 0) > 0 and row["holder"] != holder:
                return max(0.05, min(1.0, row["held_for_s"]))
            if row["wait_s"] > 0:
                return max(0.01, min(row["wait_s"], 1.0))
            ahead = conn.execute(
                """SELECT 1 FROM directory_slot_waiters
                   WHERE directory_id = %s AND holder <> %s
                     AND polled_at > clock_timestamp() - interval '3 seconds'
                     AND (priority > %s OR (priority = %s AND since < %s))
                   LIMIT 1""",
                (directory_id, holder, priority, priority, me["since"]),
            ).fetchone()
            if ahead:
                return 0.1
            conn.execute(
                """UPDATE directory_rate_limits SET holder = %s,
                       held_until = clock_timestamp() + make_interval(secs => %s)
                   WHERE directory_id = %s""",
                (holder, lease_s, directory_id),
            )
            conn.execute("DELETE FROM directory_slot_waiters WHERE directory_id = %s AND holder = %s",
                         (directory_id, holder))
            return 0.0

    @reconnecting
    def release_directory_slot(self, directory_id: str, *, holder: str, rate_limit_ms: int) -> None:
        """Free the slot; the next submission may start rate_limit_ms after now."""
        with self.connection() as conn:
            conn.execute(
                """UPDATE directory_rate_limits SET holder = NULL, held_until = NULL,
                       next_slot_at = clock_timestamp() + make_interval(secs => %s / 1000.0)
                   WHERE directory_id = %s AND holder = %s""",
                (rate_limit_ms, directory_id, holder),
            )

    def recent_submission_counts(self, *, minutes: int = 60) -> tuple[int, int]:
        """(finished, failed) submissions of the new system in the last `minutes`."""
        with self.connection() as conn:
            row = conn.execute(
                """SELECT count(*) FILTER (WHERE status NOT IN ('pending', 'processing')) AS finished,
                          count(*) FILTER (WHERE status = 'failed') AS failed
                   FROM job_results
                   WHERE idempotency_key IS NOT NULL AND finished_at > now() - make_interval(mins => %s)""",
                (minutes,),
            ).fetchone()
        return row["finished"], row["failed"]

    def duplicate_submissions(self, job_id: uuid.UUID | str) -> list[dict]:
        """Directories of a job with more than one accepted submission (rows or audited successes)."""
        with self.connection() as conn:
            return conn.execute(
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

    # --------------------------------------------------------------- rollout
    @reconnecting
    def rollout_settings(self) -> RolloutSettings:
        with self.connection() as conn:
            row = conn.execute("SELECT routing_percent, legacy_comparison, updated_by FROM rollout_settings"
                               ).fetchone()
        if row is None:
            return RolloutSettings(routing_percent=100, legacy_comparison=False)
        return RolloutSettings(**row)

    def set_rollout(self, *, actor: str, routing_percent: int | None = None,
                    legacy_comparison: bool | None = None) -> RolloutSettings:
        with self.transaction() as conn:
            before = conn.execute("SELECT routing_percent, legacy_comparison FROM rollout_settings FOR UPDATE"
                                  ).fetchone()
            conn.execute(
                """UPDATE rollout_settings SET routing_percent = COALESCE(%s, routing_percent),
                       legacy_comparison = COALESCE(%s, legacy_comparison), updated_at = now(), updated_by = %s""",
                (routing_percent, legacy_comparison, actor),
            )
            after = conn.execute("SELECT routing_percent, legacy_comparison FROM rollout_settings").fetchone()
            self._history(conn, entity="rollout", event="rollout_changed", from_status=str(before),
                          to_status=str(after), detail={"before": before, "after": after}, actor=actor)
        return self.rollout_settings()

    @reconnecting
    def decide_routing(self, job_id: uuid.UUID | str, *, actor: str) -> Mode:
        """Live or shadow, decided once per job by the rollout setting of the moment and recorded."""
        settings = self.rollout_settings()
        mode = route(job_id, settings.routing_percent)
        with self.transaction() as conn:
            row = conn.execute("UPDATE jobs SET routing = %s WHERE id = %s AND routing IS NULL RETURNING routing",
                               (mode, job_id)).fetchone()
            if row is not None:
                self._history(conn, entity="job", event="routed", job_id=job_id, to_status=mode,
                              detail={"routing_percent": settings.routing_percent}, actor=actor)
                return mode
            existing = conn.execute("SELECT routing FROM jobs WHERE id = %s", (job_id,)).fetchone()
        return existing["routing"] if existing and existing["routing"] else mode

    def legacy_results(self, job_id: uuid.UUID | str) -> list[dict]:
        with self.connection() as conn:
            return conn.execute(
                """SELECT directory_name, directory_url, submission_status, listing_url, rejection_reason,
                          error_message, processing_time_seconds::float AS processing_time_seconds
                   FROM job_results WHERE job_id = %s AND idempotency_key IS NULL""",
                (job_id,),
            ).fetchall()

    def new_results_for_comparison(self, job_id: uuid.UUID | str) -> list[dict]:
        with self.connection() as conn:
            return conn.execute(
                """SELECT directory_id, directory_name, directory_url, status, reason
                   FROM job_results WHERE job_id = %s AND idempotency_key IS NOT NULL""",
                (job_id,),
            ).fetchall()

    def save_comparisons(self, job_id: uuid.UUID | str, comparisons: Sequence[Comparison]) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM legacy_comparisons WHERE job_id = %s", (job_id,))
            for c in comparisons:
                conn.execute(
                    """INSERT INTO legacy_comparisons (job_id, directory_key, directory_id, legacy_status,
                           new_status, legacy_scale, new_scale, agree, reason)
                       VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)""",
                    (job_id, c.directory_key, c.directory_id, c.legacy_status, c.new_status, c.legacy_scale,
                     c.new_scale, c.agree, c.reason),
                )

    def comparison_rollup(self, *, days: int = 7) -> dict[str, list[dict]]:
        """Agreement by directory and by day over the last `days`, directories both systems handled."""
        with self.connection() as conn:
            by_directory = conn.execute(
                """SELECT directory_key, count(*) AS compared, count(*) FILTER (WHERE agree) AS agreeing
                   FROM legacy_comparisons
                   WHERE legacy_status IS NOT NULL AND new_status IS NOT NULL
                     AND compared_at > now() - make_interval(days => %s)
                   GROUP BY directory_key ORDER BY directory_key""",
                (days,),
            ).fetchall()
            by_day = conn.execute(
                """SELECT date_trunc('day', compared_at)::date AS day, count(*) AS compared,
                          count(*) FILTER (WHERE agree) AS agreeing
                   FROM legacy_comparisons
                   WHERE legacy_status IS NOT NULL AND new_status IS NOT NULL
                     AND compared_at > now() - make_interval(days => %s)
                   GROUP BY 1 ORDER BY 1""",
                (days,),
            ).fetchall()
        return {"by_directory": by_directory, "by_day": by_day}

    def gate_figures(self, *, days: int = 7) -> dict[str, Any]:
        """The migration gates over recent live work: success rate, p95 latency, agreement."""
        with self.connection() as conn:
            live = conn.execute(
                """SELECT count(*) FILTER (WHERE r.status <> 'skipped') AS counted,
                          count(*) FILTER (WHERE r.status IN ('submitted', 'approved')) AS succeeded,
                          percentile_cont(0.95) WITHIN GROUP (ORDER BY GREATEST(0,
                              r.processing_time_seconds - COALESCE(r.rate_limit_wait_ms, 0) / 1000.0))
                              AS p95_latency_s
                   FROM job_results r JOIN jobs j ON j.id = r.job_id
                   WHERE r.idempotency_key IS NOT NULL AND NOT r.shadow
                     AND r.status NOT IN ('pending', 'processing')
                     AND r.finished_at > now() - make_interval(days => %s)""",
                (days,),
            ).fetchone()
            compared = conn.execute(
                """SELECT count(*) AS compared, count(*) FILTER (WHERE agree) AS agreeing
                   FROM legacy_comparisons
                   WHERE legacy_status IS NOT NULL AND new_status IS NOT NULL
                     AND compared_at > now() - make_interval(days => %s)""",
                (days,),
            ).fetchone()
        return {**live, **compared}

    # ------------------------------------------------------------ heartbeats
    @reconnecting
    def heartbeat(
        self,
        worker_id: str,
        status: str,
        *,
        hostname: str | None = None,
        pid: int | None = None,
        run_id: str | None = None,
        job_id: uuid.UUID | str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        with self.connection() as conn:
            conn.execute(
                """INSERT INTO worker_heartbeats (worker_id, hostname, pid, run_id, job_id, status, detail)
                   VALUES (%s, %s, %s, %s, %s, %s, %s)
                   ON CONFLICT (worker_id) DO UPDATE SET status = EXCLUDED.status,
                       last_seen_at = now(), run_id = COALESCE(EXCLUDED.run_id, worker_heartbeats.run_id),
                       job_id = COALESCE(EXCLUDED.job_id, worker_heartbeats.job_id),
                       detail = COALESCE(EXCLUDED.detail, worker_heartbeats.detail)""",
                (worker_id, hostname, pid, run_id, job_id, status,
                 Jsonb(detail) if detail is not None else None),
            )

    def stale_workers(self, *, stale_after_s: int | None = None) -> list[dict]:
        with self.transaction() as conn:
            if stale_after_s is not None:
                conn.execute("SELECT set_config('dirbolt.stale_after_seconds', %s, true)",
                             (str(int(stale_after_s)),))
            return conn.execute("SELECT * FROM stale_workers ORDER BY last_seen_at").fetchall()

