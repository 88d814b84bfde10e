"""dirbolt's rows in the legacy platform's tables: who owns a job, and values the legacy columns accept.

Ownership. The legacy poller takes the first `pending` job and marks it in_progress with its worker
in `assigned_to` (get_next_job_in_queue, FOR UPDATE SKIP LOCKED). A job is routed once:
- live: dirbolt takes it the same way, under the job's row lock and only if it is pending (or
  dirbolt already holds it): in_progress, assigned to 'dirbolt'. The poller never sees it pending
  again; a job the poller took first cannot be taken, and runs in shadow.
- shadow: the job is the legacy poller's to submit. dirbolt fills the forms without submitting and
  writes only its own columns (and its own results table); a job dirbolt held is handed back
  (pending, unassigned).

Column limits. The legacy columns are varchar(n); what dirbolt writes into them is cut to fit (the
full value stays in dirbolt's own columns or evidence), except identifiers, which are refused.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass

import psycopg
from psycopg.rows import dict_row, tuple_row
from pydantic import BaseModel

from dirbolt_core.migration.legacy import DIRBOLT_ASSIGNEE
from dirbolt_core.migration.routing import Mode


class LegacyConstraintError(ValueError):
    """A value the legacy platform's tables cannot hold (e.g. an identifier longer than its column)."""


class Ownership(BaseModel):
    """The routing of a job and what it did to the job's legacy columns."""

    routing: Mode
    decided_now: bool = False
    claimed: bool = False        # dirbolt took it from the legacy queue (pending -> in_progress)
    handed_back: bool = False    # dirbolt held it and left it to the legacy poller


def route_job(conn: psycopg.Connection, job_id: uuid.UUID | str, mode: Mode) -> Ownership | None:
    """Decide a job's routing once, atomically with the legacy poller (call inside a transaction).

    `mode` is what the rollout says for this job; the job's own state can only turn live into
    shadow (the poller took it first). Returns None when the job does not exist.
    """
    row = conn.cursor(row_factory=dict_row).execute(
        "SELECT routing, status, assigned_to FROM jobs WHERE id = %s FOR UPDATE", (job_id,)).fetchone()
    if row is None:
        return None
    if row["routing"] in ("live", "shadow"):
        return Ownership(routing=row["routing"])
    held = row["assigned_to"] == DIRBOLT_ASSIGNEE
    if mode == "live" and (row["status"] == "pending" or held):
        conn.execute(
            """UPDATE jobs SET routing = 'live', assigned_to = %s,
                   status = CASE WHEN status = 'pending' THEN 'in_progress' ELSE status END
               WHERE id = %s""",
            (DIRBOLT_ASSIGNEE, job_id))
        return Ownership(routing="live", decided_now=True, claimed=not held)
    if held and row["status"] in ("pending", "in_progress"):
        conn.execute("""UPDATE jobs SET routing = 'shadow', assigned_to = NULL, status = 'pending'
                        WHERE id = %s""", (job_id,))
        return Ownership(routing="shadow", decided_now=True, handed_back=True)
    conn.execute("UPDATE jobs SET routing = 'shadow' WHERE id = %s", (job_id,))
    return Ownership(routing="shadow", decided_now=True)


@dataclass(frozen=True)
class ColumnLimits:
    """character_maximum_length of the shared tables' columns (none in a database dirbolt created)."""

    limits: dict[tuple[str, str], int]

    def max_length(self, table: str, column: str) -> int | None:
        return self.limits.get((table, column))

    def fit(self, table: str, column: str, value: str | None) -> str | None:
        limit = self.max_length(table, column)
        if value is None or limit is None or len(value) <= limit:
            return value
        return value[: max(0, limit - 1)] + "…"

    def check_identifier(self, table: str, column: str, value: str) -> None:
        limit = self.max_length(table, column)
        if limit is not None and len(value) > limit:
            raise LegacyConstraintError(
                f"{column} is {len(value)} characters; the system of record's {table}.{column} holds {limit}")


_limits: dict[str, ColumnLimits] = {}
_limits_lock = threading.Lock()


def column_limits(conn: psycopg.Connection, dsn: str) -> ColumnLimits:
    """The limits of `jobs` and `job_results`, read once per database (information_schema)."""
    with _limits_lock:
        if dsn in _limits:
            return _limits[dsn]
    rows = conn.cursor(row_factory=tuple_row).execute(
        """SELECT table_name, column_name, character_maximum_length FROM information_schema.columns
           WHERE table_schema = current_schema() AND table_name IN ('jobs', 'job_results')
             AND character_maximum_length IS NOT NULL""").fetchall()
    found = ColumnLimits({(table, column): limit for table, column, limit in rows})
    with _limits_lock:
        _limits[dsn] = found
    return found
