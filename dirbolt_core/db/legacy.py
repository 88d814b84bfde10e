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
from typing import Any

import psycopg
from psycopg.rows import dict_row, tuple_row
from psycopg.types.json import Jsonb
from pydantic import BaseModel

from dirbolt_core.migration.legacy import (
    DIRBOLT_ASSIGNEE,
    canonical_business_data,
    legacy_business_columns,
    legacy_business_view,
    legacy_customer,
    legacy_directory_tier,
    legacy_priority_level,
)
from dirbolt_core.migration.routing import Mode
from dirbolt_core.models import Directory
from dirbolt_core.vocabulary import Priority


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


def routing_percent(conn: psycopg.Connection) -> int:
    row = conn.cursor(row_factory=tuple_row).execute("SELECT routing_percent FROM rollout_settings").fetchone()
    return row[0] if row else 100


def insert_order(conn: psycopg.Connection, dsn: str, *, job_id: uuid.UUID, customer_id: str, package_size: int,
                 priority: Priority, business_data: dict[str, Any], dirbolt_status: str, mode: Mode) -> bool:
    """Insert a dirbolt order as a row the legacy platform reads as its own kind of job: customer name and
    e-mail from the profile, the business under both key styles and in the business columns, the legacy
    priority scale; live: dirbolt's from the start (in_progress, assigned to dirbolt), shadow: pending for
    the legacy poller. False when the job exists already (left as it is)."""
    limits = column_limits(conn, dsn)
    limits.check_identifier("jobs", "customer_id", customer_id)
    data = canonical_business_data(business_data)
    name, email = legacy_customer(data)
    columns = {column: limits.fit("jobs", column, value) for column, value in legacy_business_columns(data).items()}
    row = conn.execute(
        """INSERT INTO jobs (id, customer_id, customer_name, customer_email, package_type, directory_limit,
                             priority_level, priority, package_size, status, dirbolt_status, routing, assigned_to,
                             directories_to_process, retry_count, max_retries, business_data, business_name, email,
                             phone, website, address, city, state, zip, description, category, source)
           VALUES (%(id)s, %(customer_id)s, %(customer_name)s, %(customer_email)s, %(package_type)s, %(size)s,
                   %(level)s, %(priority)s, %(size)s,
                   CASE WHEN %(live)s THEN COALESCE(dirbolt_legacy_job_status(%(dirbolt_status)s), 'in_progress')
                        ELSE 'pending' END,
                   %(dirbolt_status)s, %(routing)s, CASE WHEN %(live)s THEN %(assignee)s END, %(size)s, 0, 3,
                   %(business_data)s, %(business_name)s, %(email)s, %(phone)s, %(website)s, %(address)s, %(city)s,
                   %(state)s, %(zip)s, %(description)s, %(category)s, 'dirbolt')
           ON CONFLICT (id) DO NOTHING RETURNING id""",
        {"id": job_id, "customer_id": customer_id, "customer_name": limits.fit("jobs", "customer_name", name),
         "customer_email": limits.fit("jobs", "customer_email", email), "package_type": priority.value,
         "priority": priority.value, "size": package_size, "level": legacy_priority_level(priority),
         "live": mode == "live", "dirbolt_status": dirbolt_status, "routing": mode, "assignee": DIRBOLT_ASSIGNEE,
         # Both key styles: dirbolt reads the profile's keys, legacy readers their camelCase ones.
         "business_data": Jsonb({**legacy_business_view(data), **data}), **columns},
    ).fetchone()
    return row is not None


# dirbolt's status and run times in its own columns; on a job it runs live, the legacy status (the
# mapping of migration 012), times, error and (completed) 100% in the legacy columns too.
SET_STATUS_SQL = """UPDATE jobs SET dirbolt_status = %(status)s, updated_at = now(),
       dirbolt_error = CASE WHEN %(failed)s THEN %(error)s ELSE dirbolt_error END,
       run_id = COALESCE(%(run_id)s, run_id),
       dirbolt_started_at = CASE WHEN %(status)s = 'running' THEN COALESCE(dirbolt_started_at, now())
                                 ELSE dirbolt_started_at END,
       dirbolt_completed_at = CASE WHEN %(final)s THEN now() END,
       status = CASE WHEN routing = 'live' THEN COALESCE(dirbolt_legacy_job_status(%(status)s), status)
                     ELSE status END,
       error_message = CASE WHEN routing = 'live' AND %(failed)s THEN %(error)s ELSE error_message END,
       started_at = CASE WHEN routing = 'live' AND %(status)s = 'running' THEN COALESCE(started_at, now())
                         ELSE started_at END,
       completed_at = CASE WHEN routing = 'live' THEN (CASE WHEN %(final)s THEN now() END) ELSE completed_at END,
       progress_percentage = CASE WHEN routing = 'live' AND %(status)s = 'completed' THEN 100
                                  ELSE progress_percentage END
   WHERE id = %(job_id)s"""


def directory_columns(conn: psycopg.Connection, dsn: str, job_id: uuid.UUID | str, d: Directory) -> dict[str, Any]:
    """A result row's directory and customer in the legacy columns' terms and sizes (query parameters)."""
    limits = column_limits(conn, dsn)
    return {"dir_id": d.id, "dir_name": limits.fit("job_results", "directory_name", d.name),
            "dir_url": limits.fit("job_results", "directory_url", str(d.submission_url)),
            "category": limits.fit("job_results", "directory_category", d.category),
            "tier": legacy_directory_tier(d.tier), "da": d.domain_authority, "job_id": job_id}


# Inserting a result row, live or shadow: the job's customer on every row (`{table}`: db/shadow.py).
INSERT_RESULT = """INSERT INTO {table} (idempotency_key, job_id, customer_id, directory_id, directory_name,
                       directory_url, directory_category, directory_tier, domain_authority, shadow, status"""
RESULT_VALUES = """VALUES (%(key)s, %(job_id)s, (SELECT customer_id FROM jobs WHERE id = %(job_id)s), %(dir_id)s,
                       %(dir_name)s, %(dir_url)s, %(category)s, %(tier)s, %(da)s, %(shadow)s"""


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
