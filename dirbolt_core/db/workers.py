"""Worker heartbeats (`worker_heartbeats`, the `stale_workers` view)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from psycopg.types.json import Jsonb
from pydantic import BaseModel

from dirbolt_core.db.pool import Database, reconnecting


class WorkerHeartbeat(BaseModel):
    worker_id: str
    hostname: str | None = None
    pid: int | None = None
    run_id: str | None = None
    job_id: uuid.UUID | None = None
    status: str
    started_at: dt.datetime
    last_seen_at: dt.datetime
    detail: dict[str, Any] | None = None
    silent_for: dt.timedelta | None = None


class WorkerRepository:
    def __init__(self, db: Database):
        self._db = db

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
        with self._db.connection() as conn:
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

    def stale(self, *, stale_after_s: int | None = None) -> list[WorkerHeartbeat]:
        """Workers not stopped and silent for longer than stale_after_s (the view's default: 120 s)."""
        with self._db.transaction() as conn:
            if stale_after_s is not None:
                conn.execute("SELECT set_config('dirbolt.stale_after_seconds', %s, true)",
                             (str(int(stale_after_s)),))
            rows = conn.execute("SELECT * FROM stale_workers ORDER BY last_seen_at").fetchall()
        return [WorkerHeartbeat.model_validate(r) for r in rows]
