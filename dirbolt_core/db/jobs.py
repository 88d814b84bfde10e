"""Jobs (`jobs`, shared with the legacy poller): the order, its queue state, its routing.

Who may submit a job's rows is the workers' leases' business (db/leases.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict

from dirbolt_core.db.audit import record
from dirbolt_core.db.legacy import SET_STATUS_SQL, insert_order, route_job, routing_percent
from dirbolt_core.db.pool import Database, reconnecting
from dirbolt_core.migration.legacy import LEGACY_BUSINESS_COLUMNS, canonical_business_data, legacy_priority_level
from dirbolt_core.migration.routing import route
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
        """Insert a job as the customer's order (dirbolt status 'pending': ordered, not queued).

        Returns False when the job already exists; its data is left as it is. The row is one the
        legacy platform reads as its own kind of job (db/legacy.py); its routing is decided here:
        a live job is dirbolt's from the start, a shadow job is pending for the legacy poller.
        Raises LegacyConstraintError for a customer id longer than the jobs table holds.
        """
        dirbolt_status = status.value if status else "pending"
        with self._db.transaction() as conn:
            mode = route(job_id, routing_percent(conn))
            if not insert_order(conn, self._db.dsn, job_id=job_id, customer_id=customer_id,
                                package_size=package_size, priority=priority, business_data=business_data,
                                dirbolt_status=dirbolt_status, mode=mode):
                return False
            record(conn, entity="job", event="created", job_id=job_id, to_status=dirbolt_status)
            record(conn, entity="job", event="routed", job_id=job_id, to_status=mode,
                   detail={"at": "order", "legacy_status": "in_progress" if mode == "live" else "pending"})
            return True

    @reconnecting
    def get(self, job_id: uuid.UUID | str) -> Job | None:
        """A job on dirbolt's scale, a legacy job included (its status, camelCase data, business columns)."""
        with self._db.connection() as conn:
            row = conn.execute(
                f"""SELECT id, customer_id,
                          COALESCE(package_size, directory_limit) AS package_size,
                          COALESCE(priority, package_type) AS priority,
                          COALESCE(dirbolt_status, status) AS status, business_data, created_at,
                          CASE WHEN dirbolt_status IS NULL THEN started_at ELSE dirbolt_started_at END AS started_at,
                          CASE WHEN dirbolt_status IS NULL THEN completed_at ELSE dirbolt_completed_at END
                              AS completed_at,
                          CASE WHEN dirbolt_status IS NULL THEN error_message ELSE dirbolt_error END AS error,
                          short_by, {", ".join(LEGACY_BUSINESS_COLUMNS)}
                   FROM jobs WHERE id = %s""",
                (job_id,),
            ).fetchone()
        if row is None:
            return None
        columns = {column: row.pop(column) for column in LEGACY_BUSINESS_COLUMNS}
        row["business_data"] = canonical_business_data(row["business_data"], columns)
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
        A job not routed yet is routed now, atomically with the legacy poller (db/legacy.py); the
        legacy columns change only on a job dirbolt runs live.
        """
        with self._db.transaction() as conn:
            row = conn.execute("SELECT dirbolt_status FROM jobs WHERE id = %s FOR UPDATE", (job_id,)).fetchone()
            if row is None or row["dirbolt_status"] not in (None, "pending"):
                return False
            ownership = route_job(conn, job_id, route(job_id, routing_percent(conn)))
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
                record(conn, entity="job", event="routed", job_id=job_id, to_status=ownership.routing,
                       detail={"at": "intake", **ownership.model_dump(exclude={"routing", "decided_now"})},
                       actor=actor)
            record(conn, entity="job", event="queued", job_id=job_id, to_status="queued",
                   detail={"message_id": message_id}, actor=actor)
            return True

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
        """Move a job to status; returns the previous status. Audited.

        dirbolt's status and run times go to its own columns; a job it runs live also gets the
        legacy status, times, error and (completed) 100% in the legacy columns.
        """
        with self._db.transaction() as conn:
            prev = conn.execute("SELECT dirbolt_status AS status FROM jobs WHERE id = %s FOR UPDATE",
                                (job_id,)).fetchone()
            if prev is None:
                raise KeyError(f"job {job_id} not found")
            conn.execute(SET_STATUS_SQL, {
                "status": status.value, "error": error, "run_id": run_id, "job_id": job_id,
                "failed": status.value in ("failed", "rejected", "dead_lettered"),
                "final": status.value in ("completed", "failed", "rejected", "cancelled", "dead_lettered")})
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
                "SELECT id FROM jobs WHERE dirbolt_status = %s AND source = 'dirbolt' ORDER BY queued_at LIMIT %s",
                (status.value, limit),
            ).fetchall()
        return [r["id"] for r in rows]

    def completed_since(self, *, days: float) -> list[uuid.UUID]:
        """Jobs of the new system completed in the last `days` days, oldest first."""
        with self._db.connection() as conn:
            rows = conn.execute(
                """SELECT id FROM jobs WHERE source = 'dirbolt' AND dirbolt_status = 'completed'
                     AND dirbolt_completed_at > now() - make_interval(secs => %s) ORDER BY dirbolt_completed_at""",
                (days * 86400,),
            ).fetchall()
        return [r["id"] for r in rows]

    def set_timeline(self, job_id: uuid.UUID, *, queued_at: dt.datetime | None, started_at: dt.datetime | None,
                     completed_at: dt.datetime | None) -> None:
        """Backdate a job's queue/run timestamps, its status following from them (synthetic data only)."""
        status = "completed" if completed_at else "running" if started_at else "queued" if queued_at else "pending"
        with self._db.connection() as conn:
            conn.execute(
                """UPDATE jobs SET dirbolt_status = %(status)s, queued_at = %(queued)s,
                       dirbolt_started_at = %(started)s, dirbolt_completed_at = %(completed)s,
                       created_at = COALESCE(%(queued)s, created_at),
                       status = CASE WHEN routing = 'live' THEN COALESCE(dirbolt_legacy_job_status(%(status)s), status)
                                     ELSE status END
                   WHERE id = %(job)s""",
                {"status": status, "queued": queued_at, "started": started_at, "completed": completed_at,
                 "job": job_id})

    def record_routing(self, job_id: uuid.UUID | str, mode: str, *, routing_percent: int, actor: str) -> str | None:
        """Route the job unless it already has a mode, with its row lock and against the legacy poller
        (db/legacy.py: a job the poller took first runs in shadow whatever `mode` says); returns the mode
        the job has (None: no such job)."""
        with self._db.transaction() as conn:
            ownership = route_job(conn, job_id, mode)
            if ownership is not None and ownership.decided_now:
                record(conn, entity="job", event="routed", job_id=job_id, to_status=ownership.routing,
                       detail={"routing_percent": routing_percent,
                               **ownership.model_dump(exclude={"routing", "decided_now"})}, actor=actor)
        return ownership.routing if ownership is not None else None

