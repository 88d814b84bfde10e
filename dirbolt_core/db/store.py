"""The system of record: one DAO over PostgreSQL (psycopg 3, pooled)."""

from __future__ import annotations

import time
import uuid
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool, PoolTimeout
from tenacity import retry, retry_if_exception_type, stop_after_delay, wait_exponential

from dirbolt_core.db.legacy import column_limits, route_job
from dirbolt_core.db.shadow import LATENCY_S, RESULTS, results_table
from dirbolt_core.migration.compare import Comparison
from dirbolt_core.migration.legacy import (
    LEGACY_BUSINESS_COLUMNS,
    canonical_business_data,
    legacy_business_columns,
    legacy_business_view,
    legacy_customer,
    legacy_directory_tier,
    legacy_priority_level,
)
from dirbolt_core.migration.routing import Mode, RolloutSettings, route
from dirbolt_core.models import Directory, Job, SubmissionOutcome, SubmissionResult
from dirbolt_core.vocabulary import JobStatus, Priority, SubmissionStatus, job_status_from_db

# A comparison counts where both systems reached an outcome (migration.compare.Comparison.compared):
# a legacy result still pending or processing is not yet an answer to agree with.
COMPARED = ("legacy_status IS NOT NULL AND new_status IS NOT NULL "
            "AND legacy_scale <> 'pending' AND new_scale <> 'pending'")

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


class JobLock:
    def __init__(self, conn: psycopg.Connection):
        self._conn = conn

    def release(self) -> None:
        # Closing the session releases its advisory locks.
        self._conn.close()


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
    @staticmethod
    def _routing_percent(conn: psycopg.Connection) -> int:
        row = conn.execute("SELECT routing_percent FROM rollout_settings").fetchone()
        return row["routing_percent"] if row else 100

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
        """Insert a job as the customer's order (dirbolt status 'pending': ordered, not queued).

        Returns False when the job already exists; its data is left as it is. The row is one the
        legacy platform reads as its own kind of job: customer name and e-mail from the profile,
        the business under both key styles and in the business columns, the legacy priority scale.
        Its routing is decided here (see db/legacy.py): a live job is dirbolt's from the start
        (in_progress, assigned to dirbolt), a shadow job is pending for the legacy poller.
        Raises LegacyConstraintError for a customer id longer than the jobs table holds.
        """
        data = canonical_business_data(business_data)
        name, email = legacy_customer(data)
        with self.transaction() as conn:
            limits = column_limits(conn, self.dsn)
            limits.check_identifier("jobs", "customer_id", customer_id)
            mode = route(job_id, self._routing_percent(conn))
            dirbolt_status = status.value if status else "pending"
            columns = {column: limits.fit("jobs", column, value)
                       for column, value in legacy_business_columns(data).items()}
            row = conn.execute(
                """INSERT INTO jobs (id, customer_id, customer_name, customer_email, package_type, directory_limit,
                                     priority_level, priority, package_size, status, dirbolt_status, routing,
                                     assigned_to, directories_to_process, retry_count, max_retries, business_data,
                                     business_name, email, phone, website, address, city, state, zip, description,
                                     category, source)
                   VALUES (%(id)s, %(customer_id)s, %(customer_name)s, %(customer_email)s, %(package_type)s,
                           %(size)s, %(level)s, %(priority)s, %(size)s,
                           CASE WHEN %(live)s THEN COALESCE(dirbolt_legacy_job_status(%(dirbolt_status)s),
                                                            'in_progress')
                                ELSE 'pending' END,
                           %(dirbolt_status)s, %(routing)s, CASE WHEN %(live)s THEN 'dirbolt' END, %(size)s, 0, 3,
                           %(business_data)s, %(business_name)s, %(email)s, %(phone)s, %(website)s, %(address)s,
                           %(city)s, %(state)s, %(zip)s, %(description)s, %(category)s, 'dirbolt')
                   ON CONFLICT (id) DO NOTHING RETURNING id""",
                {"id": job_id, "customer_id": customer_id,
                 "customer_name": limits.fit("jobs", "customer_name", name),
                 "customer_email": limits.fit("jobs", "customer_email", email),
                 "package_type": priority.value, "priority": priority.value, "size": package_size,
                 "level": legacy_priority_level(priority),
                 "live": mode == "live", "dirbolt_status": dirbolt_status, "routing": mode,
                 # Both key styles: dirbolt reads the profile's keys, legacy readers their camelCase ones.
                 "business_data": Jsonb({**legacy_business_view(data), **data}), **columns},
            ).fetchone()
            if row:
                self._history(conn, entity="job", event="created", job_id=job_id, to_status=dirbolt_status)
                self._history(conn, entity="job", event="routed", job_id=job_id, to_status=mode,
                              detail={"at": "order", "legacy_status": "in_progress" if mode == "live" else "pending"})
            return row is not None

    @reconnecting
    def job(self, job_id: uuid.UUID | str) -> Job | None:
        """A job on dirbolt's scale, a legacy job included (its status, camelCase data, business columns)."""
        with self.connection() as conn:
            row = conn.execute(
                f"""SELECT id, customer_id,
                          COALESCE(package_size, directory_limit) AS package_size,
                          COALESCE(priority, package_type) AS priority,
                          COALESCE(dirbolt_status, status) AS status, business_data, created_at,
                          CASE WHEN dirbolt_status IS NULL THEN started_at ELSE dirbolt_started_at END AS started_at,
                          CASE WHEN dirbolt_status IS NULL THEN completed_at ELSE dirbolt_completed_at END
                              AS completed_at,
                          CASE WHEN dirbolt_status IS NULL THEN error_message ELSE dirbolt_error END AS error,
                          {", ".join(LEGACY_BUSINESS_COLUMNS)}
                   FROM jobs WHERE id = %s""",
                (job_id,),
            ).fetchone()
        if row is None:
            return None
        columns = {column: row.pop(column) for column in LEGACY_BUSINESS_COLUMNS}
        row["business_data"] = canonical_business_data(row["business_data"], columns)
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
        A job not routed yet is routed now, atomically with the legacy poller (db/legacy.py); the
        legacy columns change only on a job dirbolt runs live.
        """
        with self.transaction() as conn:
            row = conn.execute("SELECT dirbolt_status FROM jobs WHERE id = %s FOR UPDATE", (job_id,)).fetchone()
            if row is None or row["dirbolt_status"] not in (None, "pending"):
                return False
            ownership = route_job(conn, job_id, route(job_id, self._routing_percent(conn)))
            conn.execute(
                """UPDATE jobs SET dirbolt_status = 'queued', queued_at = now(), message_id = %(message)s,
                       updated_at = now(), source = 'dirbolt',
                       package_size = COALESCE(%(size)s, package_size), priority = COALESCE(%(priority)s, priority),
                       directory_limit = CASE WHEN routing = 'live' THEN COALESCE(%(size)s, directory_limit)
                                              ELSE directory_limit END,
                       package_type = CASE WHEN routing = 'live' THEN COALESCE(%(package_type)s, package_type)
                                           ELSE package_type END,
                       priority_level = CASE WHEN routing = 'live' THEN COALESCE(%(level)s, priority_level)
                                             ELSE priority_level END
                   WHERE id = %(job)s""",
                {"message": message_id, "size": package_size, "priority": priority and priority.value,
                 "package_type": priority and priority.value,
                 "level": priority and legacy_priority_level(priority), "job": job_id})
            if ownership.decided_now:
                self._history(conn, entity="job", event="routed", job_id=job_id, to_status=ownership.routing,
                              detail={"at": "intake", **ownership.model_dump(exclude={"routing", "decided_now"})},
                              actor=actor)
            self._history(conn, entity="job", event="queued", job_id=job_id, to_status="queued",
                          detail={"message_id": message_id}, actor=actor)
            return True

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
        """Move a job to status; returns the previous status. Audited.

        dirbolt's status and run times go to its own columns; a job it runs live also gets the
        legacy status, times, error and (completed) 100% in the legacy columns.
        """
        with self.transaction() as conn:
            prev = conn.execute("SELECT dirbolt_status AS status FROM jobs WHERE id = %s FOR UPDATE",
                                (job_id,)).fetchone()
            if prev is None:
                raise KeyError(f"job {job_id} not found")
            conn.execute(
                """UPDATE jobs SET dirbolt_status = %(status)s, updated_at = now(),
                       dirbolt_error = CASE WHEN %(failed)s THEN %(error)s ELSE dirbolt_error END,
                       run_id = COALESCE(%(run_id)s, run_id),
                       dirbolt_started_at = CASE WHEN %(status)s = 'running' THEN COALESCE(dirbolt_started_at, now())
                                                 ELSE dirbolt_started_at END,
                       dirbolt_completed_at = CASE WHEN %(final)s THEN now() END,
                       status = CASE WHEN routing = 'live'
                                     THEN COALESCE(dirbolt_legacy_job_status(%(status)s), status) ELSE status END,
                       error_message = CASE WHEN routing = 'live' AND %(failed)s THEN %(error)s
                                            ELSE error_message END,
                       started_at = CASE WHEN routing = 'live' AND %(status)s = 'running'
                                         THEN COALESCE(started_at, now()) ELSE started_at END,
                       completed_at = CASE WHEN routing = 'live' THEN (CASE WHEN %(final)s THEN now() END)
                                           ELSE completed_at END,
                       progress_percentage = CASE WHEN routing = 'live' AND %(status)s = 'completed' THEN 100
                                                  ELSE progress_percentage END
                   WHERE id = %(job_id)s""",
                {"status": status.value, "error": error, "run_id": run_id, "job_id": job_id,
                 "failed": status.value in ("failed", "rejected", "dead_lettered"),
                 "final": status.value in ("completed", "failed", "rejected", "cancelled", "dead_lettered")},
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
                "SELECT id FROM jobs WHERE dirbolt_status = %s AND source = 'dirbolt' ORDER BY queued_at LIMIT %s",
                (status.value, limit),
            ).fetchall()
        return [r["id"] for r in rows]

    def acquire_job_lock(self, job_id: uuid.UUID | str, *, timeout_s: float = 600.0) -> JobLock:
        """Exclusive ownership of a job's submissions for one run.

        A session-level advisory lock on its own connection: when the holder dies
        (kill -9 included) PostgreSQL drops the lock with the connection, so the next
        run knows that every in-flight row of another run is orphaned.
        """
        key = zlib.crc32(f"job:{job_id}".encode())
        conn = psycopg.connect(self.dsn, autocommit=True)
        try:
            deadline = time.monotonic() + timeout_s
            while not conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"job {job_id} is held by another run")
                time.sleep(0.5)
        except BaseException:
            conn.close()
            raise
        return JobLock(conn)

    @contextmanager
    def job_lock(self, job_id: uuid.UUID | str, *, timeout_s: float = 600.0) -> Iterator[None]:
        lock = self.acquire_job_lock(job_id, timeout_s=timeout_s)
        try:
            yield
        finally:
            lock.release()

    # ------------------------------------------------------------- submissions
    # Live rows go to the shared job_results, shadow rows to dirbolt_shadow_results (db/shadow.py).
    # The legacy columns of a live row (submission_status and its timestamps, the job's counters)
    # follow dirbolt's status through triggers of migration 012.
    @reconnecting
    def planned_directory_ids(self, job_id: uuid.UUID | str) -> list[str]:
        with self.connection() as conn:
            rows = conn.execute(
                f"SELECT directory_id FROM {RESULTS} r WHERE job_id = %s ORDER BY created_at, directory_id",
                (job_id,),
            ).fetchall()
        return [r["directory_id"] for r in rows]

    def _directory_columns(self, conn: psycopg.Connection, job_id: uuid.UUID | str, d: Directory) -> dict[str, Any]:
        """A row's directory and customer in the legacy columns' terms (and sizes)."""
        limits = column_limits(conn, self.dsn)
        return {"dir_id": d.id, "dir_name": limits.fit("job_results", "directory_name", d.name),
                "dir_url": limits.fit("job_results", "directory_url", str(d.submission_url)),
                "category": limits.fit("job_results", "directory_category", d.category),
                "tier": legacy_directory_tier(d.tier), "da": d.domain_authority, "job_id": job_id}

    _INSERT_RESULT = """INSERT INTO {table} (idempotency_key, job_id, customer_id, directory_id, directory_name,
                           directory_url, directory_category, directory_tier, domain_authority, shadow, status"""
    _RESULT_VALUES = """VALUES (%(key)s, %(job_id)s, (SELECT customer_id FROM jobs WHERE id = %(job_id)s), %(dir_id)s,
                           %(dir_name)s, %(dir_url)s, %(category)s, %(tier)s, %(da)s, %(shadow)s"""

    def save_plan(self, job_id: uuid.UUID, planned: Sequence[tuple[str, Directory]], *, actor: str,
                  shadow: bool = False) -> int:
        """Pre-write a pending row per planned directory (key, directory). Idempotent; returns rows added.

        The plan is durable: a rerun submits what is left of the same plan even if the
        catalog changed since.
        """
        added = 0
        table = results_table(shadow)
        with self.transaction() as conn:
            for key, d in planned:
                row = conn.execute(
                    self._INSERT_RESULT.format(table=table) + ") " + self._RESULT_VALUES + """, 'pending')
                       ON CONFLICT (idempotency_key) DO NOTHING RETURNING id""",
                    {"key": key, "shadow": shadow, **self._directory_columns(conn, job_id, d)},
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
        left), or when it is an orphan of a dead run that never pressed submit. The
        caller must hold job_lock, which is what makes other runs' rows orphans.
        """
        table = results_table(shadow)
        with self.transaction() as conn:
            row = conn.execute(
                self._INSERT_RESULT.format(table=table) + """, claim_owner, claimed_at, started_at, run_id) """
                + self._RESULT_VALUES + f""", 'processing', %(owner)s, clock_timestamp(), clock_timestamp(),
                           %(run_id)s)
                   ON CONFLICT (idempotency_key) DO UPDATE SET
                       status = 'processing',
                       claim_owner = EXCLUDED.claim_owner, claimed_at = EXCLUDED.claimed_at,
                       started_at = EXCLUDED.started_at, run_id = EXCLUDED.run_id, reason = NULL,
                       updated_at = now()
                   WHERE {table}.status IN ('pending', 'failed')
                      OR ({table}.status = 'processing'
                          AND {table}.submit_started_at IS NULL
                          AND {table}.claim_owner IS DISTINCT FROM EXCLUDED.claim_owner)
                   RETURNING attempts, (xmax = 0) AS inserted""",
                {"key": key, "owner": owner, "run_id": run_id, "shadow": shadow,
                 **self._directory_columns(conn, job_id, directory)},
            ).fetchone()
            if row is not None:
                self._history(conn, entity="submission", event="claimed", job_id=job_id,
                              directory_id=directory.id, to_status="processing",
                              detail={"attempts_so_far": row["attempts"], "new": row["inserted"]},
                              actor=owner)
                return Claim(True, SubmissionStatus.PROCESSING, row["attempts"])
            existing = conn.execute(
                f"SELECT status, attempts, submit_started_at FROM {table} WHERE idempotency_key = %s",
                (key,),
            ).fetchone()
        status = SubmissionStatus(existing["status"])
        unknown = status is SubmissionStatus.PROCESSING and existing["submit_started_at"] is not None
        return Claim(False, status, existing["attempts"], unknown_outcome=unknown)

    @reconnecting
    def record_attempt(self, key: str, *, shadow: bool = False) -> int:
        with self.connection() as conn:
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
        with self.connection() as conn:
            conn.execute(
                f"UPDATE {results_table(shadow)} SET submit_started_at = clock_timestamp() WHERE idempotency_key = %s",
                (key,),
            )

    @reconnecting
    def clear_submit_started(self, key: str, *, shadow: bool = False) -> None:
        """The directory answered 429/5xx to the submit: nothing was accepted, a retry is safe."""
        with self.connection() as conn:
            conn.execute(f"UPDATE {results_table(shadow)} SET submit_started_at = NULL WHERE idempotency_key = %s",
                         (key,))

    @reconnecting
    def finish_submission(
        self,
        key: str,
        outcome: SubmissionOutcome,
        *,
        actor: str | None = None,
        rate_limit_wait_ms: int | None = None,
        shadow: bool = False,
    ) -> None:
        table = results_table(shadow)
        with self.transaction() as conn:
            prev = conn.execute(
                f"SELECT job_id, directory_id, status, started_at FROM {table} WHERE idempotency_key = %s FOR UPDATE",
                (key,),
            ).fetchone()
            if prev is None:
                raise KeyError(f"no pre-written result for key {key[:12]}")
            status = outcome.status
            evidence = dict(outcome.evidence)
            listing_url = column_limits(conn, self.dsn).fit("job_results", "listing_url", outcome.listing_url)
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
            self._history(conn, entity="submission", event=f"submission_{status.value}",
                          job_id=prev["job_id"], directory_id=prev["directory_id"],
                          from_status=prev["status"], to_status=status.value,
                          detail={"reason": outcome.reason, "confidence": outcome.confidence,
                                  **({"shadow": True} if shadow else {})},
                          actor=actor)

    @reconnecting
    def results(self, job_id: uuid.UUID | str) -> list[SubmissionResult]:
        """A job's rows on dirbolt's scale, live or shadow (a job is one or the other)."""
        with self.connection() as conn:
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
        """(finished, failed) submissions of the new system in the last `minutes`, shadow runs included."""
        with self.connection() as conn:
            row = conn.execute(
                f"""SELECT count(*) FILTER (WHERE status NOT IN ('pending', 'processing')) AS finished,
                          count(*) FILTER (WHERE status = 'failed') AS failed
                   FROM {RESULTS} r
                   WHERE finished_at > now() - make_interval(mins => %s)""",
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
        """Live or shadow, decided once per job by the rollout setting of the moment and recorded.

        Decided with the job's row lock, against the legacy poller (db/legacy.py): a job the
        poller took first runs in shadow whatever the setting says.
        """
        with self.transaction() as conn:
            percent = self._routing_percent(conn)
            ownership = route_job(conn, job_id, route(job_id, percent))
            if ownership is None:
                return route(job_id, percent)
            if ownership.decided_now:
                self._history(conn, entity="job", event="routed", job_id=job_id, to_status=ownership.routing,
                              detail={"routing_percent": percent,
                                      **ownership.model_dump(exclude={"routing", "decided_now"})}, actor=actor)
        return ownership.routing

    def legacy_results(self, job_id: uuid.UUID | str) -> list[dict]:
        with self.connection() as conn:
            return conn.execute(
                """SELECT directory_name, directory_url, submission_status, listing_url, rejection_reason,
                          error_message, processing_time_seconds::float AS processing_time_seconds
                   FROM job_results WHERE job_id = %s AND idempotency_key IS NULL""",
                (job_id,),
            ).fetchall()

    def new_results_for_comparison(self, job_id: uuid.UUID | str) -> list[dict]:
        """The job's rows of the new system: real submissions, or a shadow run's predictions."""
        with self.connection() as conn:
            return conn.execute(
                f"""SELECT directory_id, directory_name, directory_url, status, reason
                   FROM {RESULTS} r WHERE job_id = %s""",
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
                f"""SELECT directory_key, count(*) AS compared, count(*) FILTER (WHERE agree) AS agreeing
                   FROM legacy_comparisons
                   WHERE {COMPARED} AND compared_at > now() - make_interval(days => %s)
                   GROUP BY directory_key ORDER BY directory_key""",
                (days,),
            ).fetchall()
            by_day = conn.execute(
                f"""SELECT date_trunc('day', compared_at)::date AS day, count(*) AS compared,
                          count(*) FILTER (WHERE agree) AS agreeing
                   FROM legacy_comparisons
                   WHERE {COMPARED} AND compared_at > now() - make_interval(days => %s)
                   GROUP BY 1 ORDER BY 1""",
                (days,),
            ).fetchall()
        return {"by_directory": by_directory, "by_day": by_day}

    def gate_figures(self, *, days: int = 7, mode: Mode = "live") -> dict[str, Any]:
        """The migration gates over recent work: success rate, p95 latency, agreement.

        `mode` says whose rows: live submissions, or shadow runs (a form found and filled, ready to
        submit, is a predicted success; their latency is the fill's), which gate the first live phase.
        """
        with self.connection() as conn:
            work = conn.execute(
                f"""SELECT count(*) FILTER (WHERE r.status <> 'skipped') AS counted,
                          count(*) FILTER (WHERE r.status IN ('submitted', 'approved')) AS succeeded,
                          percentile_cont(0.95) WITHIN GROUP (ORDER BY GREATEST(0,
                              {LATENCY_S} - COALESCE(r.rate_limit_wait_ms, 0) / 1000.0))
                              AS p95_latency_s
                   FROM {results_table(mode == "shadow")} r
                   WHERE r.idempotency_key IS NOT NULL
                     AND r.status NOT IN ('pending', 'processing')
                     AND r.finished_at > now() - make_interval(days => %s)""",
                (days,),
            ).fetchone()
            compared = conn.execute(
                f"""SELECT count(*) AS compared, count(*) FILTER (WHERE agree) AS agreeing
                   FROM legacy_comparisons
                   WHERE {COMPARED} AND compared_at > now() - make_interval(days => %s)""",
                (days,),
            ).fetchone()
        return {**work, **compared, "mode": mode}

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

