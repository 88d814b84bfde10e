"""Jobs (`jobs`, shared with the legacy poller): the order, its queue state, its routing.

Who may submit a job's rows is the workers' leases' business (db/leases.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from psycopg.types.json import Jsonb
from pydantic import BaseModel, ConfigDict

from dirbolt_core.db.audit import record
from dirbolt_core.db.pool import Database, reconnecting
from dirbolt_core.models import Job
from dirbolt_core.vocabulary import JobStatus, Priority, job_status_from_db


class JobRow(BaseModel):
    """A jobs row as stored, legacy columns and values included (every column is an attribute)."""

    model_config = ConfigDict(extra="allow")

    id: uuid.UUID
    customer_id: str | None = None
    status: str | None = None
    business_data: Any = None


class JobRepository:
    def __init__(self, db: Database):
        self._db = db

    def create(
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
        with self._db.transaction() as conn:
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
                record(conn, entity="job", event="created", job_id=job_id,
                       to_status=status.value if status else "pending")
            return row is not None

    @reconnecting
    def get(self, job_id: uuid.UUID | str) -> Job | None:
        with self._db.connection() as conn:
            row = conn.execute(
                """SELECT id, customer_id,
                          COALESCE(package_size, directory_limit) AS package_size,
                          COALESCE(priority, package_type) AS priority,
                          status, business_data, created_at, started_at, completed_at,
                          error_message AS error, short_by
                   FROM jobs WHERE id = %s""",
                (job_id,),
            ).fetchone()
        if row is None:
            return None
        row["status"] = job_status_from_db(row["status"])
        return Job.model_validate(row)

    def row(self, job_id: uuid.UUID | str) -> JobRow | None:
        with self._db.connection() as conn:
            row = conn.execute("SELECT * FROM jobs WHERE id = %s", (job_id,)).fetchone()
        return JobRow.model_validate(row) if row else None

    def mark_queued(self, job_id: uuid.UUID, *, message_id: str | None, actor: str,
                    package_size: int | None = None, priority: Priority | None = None) -> bool:
        """Make an accepted message durable as a queued job. True if this call queued it.

        The message's package and priority win over the order's; a job already queued,
        running or finished is left alone (a redelivered message is a duplicate, not an error).
        """
        with self._db.transaction() as conn:
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
                record(conn, entity="job", event="queued", job_id=job_id, to_status="queued",
                       detail={"message_id": message_id}, actor=actor)
            return row is not None

    @reconnecting
    def set_status(
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
        with self._db.transaction() as conn:
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
                record(conn, entity="job", event=f"job_{status.value}", job_id=job_id,
                       from_status=prev["status"], to_status=status.value,
                       detail={**(detail or {}), **({"error": error} if error else {}),
                               **({"run_id": run_id} if run_id else {})},
                       actor=actor)
            return prev["status"]

    def with_status(self, status: JobStatus, *, limit: int = 100) -> list[uuid.UUID]:
        with self._db.connection() as conn:
            rows = conn.execute(
                "SELECT id FROM jobs WHERE status = %s AND source = 'dirbolt' ORDER BY queued_at LIMIT %s",
                (status.value, limit),
            ).fetchall()
        return [r["id"] for r in rows]

    def completed_since(self, *, days: float) -> list[uuid.UUID]:
        """Jobs of the new system completed in the last `days` days, oldest first."""
        with self._db.connection() as conn:
            rows = conn.execute(
                """SELECT id FROM jobs WHERE source = 'dirbolt' AND status = 'completed'
                     AND completed_at > now() - make_interval(secs => %s) ORDER BY completed_at""",
                (days * 86400,),
            ).fetchall()
        return [r["id"] for r in rows]

    def set_timeline(self, job_id: uuid.UUID, *, queued_at: dt.datetime | None, started_at: dt.datetime | None,
                     completed_at: dt.datetime | None) -> None:
        """Backdate a job's queue/run timestamps, its status following from them (synthetic data only)."""
        status = "completed" if completed_at else "running" if started_at else "queued" if queued_at else "pending"
        with self._db.connection() as conn:
            conn.execute(
                """UPDATE jobs SET status = %s, queued_at = %s, started_at = %s, completed_at = %s,
                       created_at = COALESCE(%s, created_at)
                   WHERE id = %s""",
                (status, queued_at, started_at, completed_at, queued_at, job_id))

    def record_routing(self, job_id: uuid.UUID | str, mode: str, *, routing_percent: int, actor: str) -> str | None:
        """Record the job's mode unless it already has one; returns the mode the job has (None: no such job)."""
        with self._db.transaction() as conn:
            row = conn.execute("UPDATE jobs SET routing = %s WHERE id = %s AND routing IS NULL RETURNING routing",
                               (mode, job_id)).fetchone()
            if row is not None:
                record(conn, entity="job", event="routed", job_id=job_id, to_status=mode,
                       detail={"routing_percent": routing_percent}, actor=actor)
                return mode
            existing = conn.execute("SELECT routing FROM jobs WHERE id = %s", (job_id,)).fetchone()
        return existing["routing"] if existing else None
