"""Jobs (`jobs`, shared with the legacy poller): the order, its queue state, its routing.

Who may submit a job's rows is the workers' leases' business (db/leases.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict

from dirbolt_core.db import outbox
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
        message: dict[str, Any] | None = None,
    ) -> bool:
        """Insert a job as the customer's order (dirbolt status 'pending': ordered, not queued).

        Returns False when the job already exists; its data is left as it is. The row is one the
        legacy platform reads as its own kind of job (db/legacy.py); its routing is decided here:
        a live job is dirbolt's from the start, a shadow job is pending for the legacy poller.
        Raises LegacyConstraintError for a customer id longer than the jobs table holds.
        `message`: the queue message announcing the job, written to the outbox in the same
        transaction (db/outbox.py); a relay sends it.
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
            if message is not None:
                outbox.add(conn, job_id=job_id, body=message)
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
                "failed": status.value in ("failed", "rejected", "cancelled", "dead_lettered"),
                "final": status.value in ("completed", "failed", "rejected", "cancelled", "dead_lettered")})
            if prev["status"] != status.value or error:
                record(conn, entity="job", event=f"job_{status.value}", job_id=job_id,
                       from_status=prev["status"], to_status=status.value,
                       detail={**(detail or {}), **({"error": error} if error else {}),
                               **({"run_id": run_id} if run_id else {})},
                       actor=actor)
            return prev["status"]

    def with_status(self, status: JobStatus, *, limit: int | None = None) -> list[uuid.UUID]:
        """dirbolt's jobs in `status`, oldest queued first (all of them unless `limit`)."""
        with self._db.connection() as conn:
            rows = conn.execute(
                "SELECT id FROM jobs WHERE dirbolt_status = %s AND source = 'dirbolt' ORDER BY queued_at, id LIMIT %s",
                (status.value, limit),
            ).fetchall()
        return [r["id"] for r in rows]

    def queued_run_keys(self) -> list[tuple[uuid.UUID, str]]:
        """Every queued job with the run key of its current attempt (the job id; `id#n` after the n-th
        `dirbolt rerun`), oldest queued first."""
        with self._db.connection() as conn:
            rows = conn.execute(
                """SELECT id, dirbolt_run_attempt AS attempt FROM jobs
                   WHERE dirbolt_status = 'queued' AND source = 'dirbolt' ORDER BY queued_at, id""").fetchall()
        return [(r["id"], run_key(r["id"], r["attempt"])) for r in rows]

    def with_runs(self, statuses: tuple[JobStatus, ...]) -> list[tuple[uuid.UUID, str | None]]:
        """dirbolt's jobs in one of `statuses` with the id of the run that last took them."""
        with self._db.connection() as conn:
            rows = conn.execute("SELECT id, run_id FROM jobs WHERE dirbolt_status = ANY(%s) AND source = 'dirbolt'",
                                ([s.value for s in statuses],)).fetchall()
        return [(r["id"], r["run_id"]) for r in rows]

    def cancel(self, job_id: uuid.UUID | str, *, reason: str, run_id: str | None, actor: str) -> bool:
        """A job whose run was cancelled or deleted: `cancelled` (not final for its rows: `dirbolt rerun`
        resumes it). Only a queued or running job is cancelled; True if this call did it."""
        job, row = self.get(job_id), self.row(job_id)
        if job is None or row is None or job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
            return False
        current = getattr(row, "run_id", None)
        if job.status is JobStatus.RUNNING and run_id and current and current != run_id:
            return False  # an older run of the job; another one runs it now
        self.set_status(job_id, JobStatus.CANCELLED, error=reason, run_id=run_id, actor=actor,
                        detail={"reason": reason})
        return True

    def requeue(self, job_id: uuid.UUID | str, *, actor: str) -> str | None:
        """Put a cancelled or failed job back in the queue under a new run key (the sensor requests its
        run; its plan is reused, so only unfinished directories are submitted). Returns the new run
        key, None when the job is not cancelled or failed."""
        with self._db.transaction() as conn:
            row = conn.execute(
                """UPDATE jobs SET dirbolt_status = 'queued', queued_at = now(), dirbolt_completed_at = NULL,
                       dirbolt_run_attempt = dirbolt_run_attempt + 1, updated_at = now(),
                       status = CASE WHEN routing = 'live' THEN dirbolt_legacy_job_status('queued') ELSE status END,
                       completed_at = CASE WHEN routing = 'live' THEN NULL ELSE completed_at END
                   WHERE id = %s AND source = 'dirbolt' AND dirbolt_status IN ('cancelled', 'failed', 'dead_lettered')
                   RETURNING id, dirbolt_run_attempt AS attempt,
                             (SELECT dirbolt_status FROM jobs j WHERE j.id = jobs.id) AS previous""",
                (job_id,)).fetchone()
            if row is None:
                return None
            key = run_key(row["id"], row["attempt"])
            record(conn, entity="job", event="job_requeued", job_id=job_id, from_status=row["previous"],
                   to_status="queued", detail={"run_key": key}, actor=actor)
            return key

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


def run_key(job_id: uuid.UUID | str, attempt: int) -> str:
    """The sensor's run key of a job's attempt: its id, then `id#n` once rerun n times."""
    return str(job_id) if not attempt else f"{job_id}#{attempt}"
