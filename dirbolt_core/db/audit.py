"""The audit trail (`queue_history`): append-only, written in the same transaction as the change."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from pydantic import BaseModel

from dirbolt_core.db.pool import Database, reconnecting


class HistoryEvent(BaseModel):
    """One row of queue_history."""

    id: int
    at: dt.datetime
    entity: str
    job_id: uuid.UUID | None = None
    directory_id: str | None = None
    event: str
    from_status: str | None = None
    to_status: str | None = None
    detail: dict[str, Any] | None = None
    actor: str | None = None


def record(
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
    """Append one event on `conn` (inside the caller's transaction when it has one)."""
    conn.execute(
        """INSERT INTO queue_history (entity, job_id, directory_id, event, from_status, to_status,
                                      detail, actor)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s)""",
        (entity, job_id, directory_id, event, from_status, to_status,
         Jsonb(detail) if detail is not None else None, actor),
    )


class AuditLog:
    def __init__(self, db: Database):
        self._db = db

    @reconnecting
    def append(self, **kwargs: Any) -> None:
        with self._db.connection() as conn:
            record(conn, **kwargs)

    def history(self, job_id: uuid.UUID | str | None = None, *, entity: str | None = None) -> list[HistoryEvent]:
        clauses, params = [], []
        if job_id is not None:
            clauses.append("job_id = %s")
            params.append(job_id)
        if entity is not None:
            clauses.append("entity = %s")
            params.append(entity)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._db.connection() as conn:
            rows = conn.execute(f"SELECT * FROM queue_history {where} ORDER BY id", params).fetchall()
        return [HistoryEvent.model_validate(r) for r in rows]
