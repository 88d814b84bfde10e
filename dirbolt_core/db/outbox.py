"""The outbox (`dirbolt_outbox`): queue messages written in the same transaction as their job.

An order and its message are one transaction (`add` on the job's connection), so there is never a
job without its message nor a message without its job. The relay (`relay`) sends what is unsent,
oldest first, each row under its lock (two relays never send the same row at the same moment), and
marks it sent; a row whose send fails keeps its error and is tried again by the next relay (the
sensor's every tick, the next `dirbolt enqueue`). A crash between the send and the mark sends the
message again: SQS is at-least-once anyway and intake treats the copy as a duplicate delivery.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from pydantic import BaseModel

from dirbolt_core.db.audit import record
from dirbolt_core.db.pool import Database


class OutboxRow(BaseModel):
    id: int
    job_id: uuid.UUID
    body: dict[str, Any]
    created_at: dt.datetime
    attempts: int
    last_error: str | None = None
    sent_at: dt.datetime | None = None
    message_id: str | None = None


@dataclass
class RelayResult:
    sent: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)  # outbox id -> error (one line)

    @property
    def error(self) -> str | None:
        return next(iter(self.failed.values()), None)


def add(conn: psycopg.Connection, *, job_id: uuid.UUID, body: dict[str, Any]) -> int:
    """Write a message to send, on the caller's transaction (the one that writes its job)."""
    row = conn.execute("INSERT INTO dirbolt_outbox (job_id, body) VALUES (%s, %s) RETURNING id",
                       (job_id, Jsonb(body))).fetchone()
    return row["id"]


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:500]


class OutboxRepository:
    def __init__(self, db: Database):
        self._db = db

    def rows(self, job_id: uuid.UUID | None = None) -> list[OutboxRow]:
        with self._db.connection() as conn:
            rows = conn.execute("SELECT * FROM dirbolt_outbox WHERE %(job)s::uuid IS NULL OR job_id = %(job)s "
                                "ORDER BY id", {"job": job_id}).fetchall()
        return [OutboxRow.model_validate(r) for r in rows]

    def unsent(self) -> int:
        with self._db.connection() as conn:
            return conn.execute("SELECT count(*) AS n FROM dirbolt_outbox WHERE sent_at IS NULL").fetchone()["n"]

    def relay(self, send: Callable[[dict[str, Any]], str], *, limit: int = 100, actor: str = "relay",
              stop_on_error: bool = True) -> RelayResult:
        """Send up to `limit` unsent messages, oldest first; `send` returns the queue's message id.

        Each row is sent while its lock is held and marked sent in the same transaction. A failed
        send records the error and the attempt; with stop_on_error (a queue that is down fails
        every row alike) the relay stops there.
        """
        result = RelayResult()
        for _ in range(limit):
            with self._db.transaction() as conn:
                row = conn.execute(
                    "SELECT id, job_id, body FROM dirbolt_outbox WHERE sent_at IS NULL "
                    "AND NOT (id = ANY(%s)) ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
                    (list(result.failed),)).fetchone()
                if row is None:
                    break
                try:
                    message_id = send(row["body"])
                except Exception as exc:
                    error = _one_line(exc)
                    conn.execute("UPDATE dirbolt_outbox SET attempts = attempts + 1, last_attempt_at = now(), "
                                 "last_error = %s WHERE id = %s", (error, row["id"]))
                    result.failed[row["id"]] = error
                    if stop_on_error:
                        break
                    continue
                conn.execute("UPDATE dirbolt_outbox SET attempts = attempts + 1, last_attempt_at = now(), "
                             "last_error = NULL, sent_at = now(), message_id = %s WHERE id = %s",
                             (message_id, row["id"]))
                record(conn, entity="message", event="sent", job_id=row["job_id"],
                       detail={"message_id": message_id, "outbox_id": row["id"]}, actor=actor)
                result.sent.append(row["id"])
        return result
