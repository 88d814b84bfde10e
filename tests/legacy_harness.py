"""The legacy platform beside dirbolt, for tests: its schema, its poller, its writer, its checks.

Everything here talks to the legacy tables the way the legacy platform does (its own SQL function
to take work, the columns its migrations name), and reads the schema it is given rather than
assuming one: set DIRBOLT_TEST_LEGACY_SCHEMA to run the same tests over another copy of the
legacy schema (e.g. one built from the legacy platform's published migrations).
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

FIXTURES = Path(__file__).parent / "fixtures"
OTHER_SCHEMA = os.environ.get("DIRBOLT_TEST_LEGACY_SCHEMA")
LEGACY_SCHEMA = Path(OTHER_SCHEMA or FIXTURES / "legacy_schema.sql")
# What other published versions of the legacy migrations do differently, over the fixture.
LEGACY_VARIANT = FIXTURES / "legacy_schema_variant.sql"
LEGACY_TABLES = ("jobs", "job_results", "customers")


def load_legacy_schema(dsn: str, *, variant: bool = False) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(LEGACY_SCHEMA.read_text())
        if variant:
            conn.execute(LEGACY_VARIANT.read_text())


def snapshot_rows(dsn: str, table: str) -> dict[str, dict]:
    """Every row of a table as JSON, by id (an absent table gives nothing)."""
    with psycopg.connect(dsn, row_factory=dict_row) as conn:
        if conn.execute("SELECT to_regclass(%s) AS t", (table,)).fetchone()["t"] is None:
            return {}
        rows = conn.execute(f"SELECT id::text AS id, to_jsonb(t) AS row FROM {table} t").fetchall()
    return {r["id"]: r["row"] for r in rows}


def changed_values(before: dict[str, dict], after: dict[str, dict]) -> list[str]:
    """Rows of `before` that lost a value they had (columns added since are not looked at)."""
    out = []
    for row_id, old in before.items():
        new = after.get(row_id)
        if new is None:
            out.append(f"{row_id}: gone")
            continue
        out += [f"{row_id}.{k}: {v!r} -> {new.get(k)!r}" for k, v in old.items() if new.get(k) != v]
    return out


@dataclass
class LegacyChecks:
    """The legacy platform's CHECK constraints and NOT NULL columns, read before dirbolt migrates.

    (dirbolt's migration 008 drops CHECKs on jobs that mention status; the snapshot keeps them so
    that dirbolt's rows can still be checked against them.)
    """

    checks: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    not_null: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def snapshot(cls, dsn: str) -> LegacyChecks:
        out = cls()
        with psycopg.connect(dsn) as conn:
            for table in ("jobs", "job_results"):
                rows = conn.execute(
                    """SELECT con.conname, pg_get_constraintdef(con.oid) FROM pg_constraint con
                       JOIN pg_class rel ON rel.oid = con.conrelid
                       JOIN pg_namespace ns ON ns.oid = rel.relnamespace
                       WHERE ns.nspname = current_schema() AND rel.relname = %s AND con.contype = 'c'""",
                    (table,)).fetchall()
                out.checks[table] = [(name, definition.removeprefix("CHECK ").removesuffix(" NOT VALID"))
                                     for name, definition in rows]
                out.not_null[table] = [r[0] for r in conn.execute(
                    """SELECT column_name FROM information_schema.columns
                       WHERE table_schema = current_schema() AND table_name = %s AND is_nullable = 'NO'""",
                    (table,)).fetchall()]
        return out

    def violations(self, dsn: str) -> list[str]:
        """Every way a row dirbolt wrote breaks a legacy check or NOT NULL (empty when none does)."""
        mine = {"jobs": "source = 'dirbolt'", "job_results": "idempotency_key IS NOT NULL"}
        found = []
        with psycopg.connect(dsn) as conn:
            for table, where in mine.items():
                for name, expression in self.checks.get(table, []):
                    bad = conn.execute(f"SELECT id FROM {table} WHERE {where} AND ({expression}) IS FALSE"
                                       ).fetchall()
                    found += [f"{table} {r[0]} breaks {name}: {expression}" for r in bad]
                for column in self.not_null.get(table, []):
                    bad = conn.execute(f"SELECT id FROM {table} WHERE {where} AND {column} IS NULL").fetchall()
                    found += [f"{table} {r[0]}: {column} is NULL" for r in bad]
        return found

    def count_dirbolt_rows(self, dsn: str) -> tuple[int, int]:
        with psycopg.connect(dsn) as conn:
            jobs = conn.execute("SELECT count(*) FROM jobs WHERE source = 'dirbolt'").fetchone()[0]
            results = conn.execute("SELECT count(*) FROM job_results WHERE idempotency_key IS NOT NULL").fetchone()[0]
        return jobs, results


class LegacyPoller:
    """The legacy poller: it takes work with the legacy platform's own get_next_job_in_queue()."""

    def __init__(self, dsn: str, worker: str = "autobolt-ext-test"):
        self.dsn = dsn
        self.worker = worker

    def take(self, conn: psycopg.Connection | None = None) -> uuid.UUID | None:
        """One pick, as the poller makes it: the function's job, marked in_progress for this worker (by the
        function itself, or by the poller's own mark step where the function only selects). None when the
        queue is empty, or when the job it named is being taken by someone else right now."""
        own = conn is None
        conn = conn or psycopg.connect(self.dsn, autocommit=True)
        try:
            row = conn.execute("SELECT * FROM get_next_job_in_queue()").fetchone()
            if row is None or row[0] is None:
                return None
            job_id = row[0] if isinstance(row[0], uuid.UUID) else uuid.UUID(str(row[0]))
            marked = conn.execute(
                """UPDATE jobs SET status = 'in_progress', assigned_to = COALESCE(assigned_to, %s),
                       started_at = COALESCE(started_at, now())
                   WHERE id = (SELECT id FROM jobs WHERE id = %s AND status = 'pending' FOR UPDATE SKIP LOCKED)
                   RETURNING id""", (self.worker, job_id)).fetchone()
            if marked:
                return job_id
            status, assignee = conn.execute("SELECT status, assigned_to FROM jobs WHERE id = %s", (job_id,)).fetchone()
            return job_id if status == "in_progress" and assignee != "dirbolt" else None
        finally:
            if own:
                conn.close()

    def take_all(self, limit: int = 1000) -> list[uuid.UUID]:
        taken: list[uuid.UUID] = []
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            while len(taken) < limit and (job_id := self.take(conn)) is not None:
                taken.append(job_id)
        return taken

    def write_results(self, job_id: uuid.UUID, rows: list[tuple[str, str | None, str, str | None]]) -> None:
        """What the poller writes for a job it worked on: (directory name, url, legacy status, reason)."""
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            customer = conn.execute("SELECT customer_id FROM jobs WHERE id = %s", (job_id,)).fetchone()[0]
            for name, url, status, reason in rows:
                conn.execute(
                    """INSERT INTO job_results (job_id, customer_id, directory_name, directory_url, submission_status,
                                                rejection_reason, processing_time_seconds)
                       VALUES (%s, %s, %s, %s, %s, %s, 12)""",
                    (job_id, customer, name, url, status, reason))


def legacy_order(dsn: str, *, business: dict, customer_id: str = "DIR-2025-000901", package: str = "growth",
                 limit: int = 3, priority_level: int = 3, status: str = "pending") -> uuid.UUID:
    """A job as the legacy platform's order form writes it: camelCase business data, its own columns."""
    job_id = uuid.uuid4()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            """INSERT INTO jobs (id, customer_id, customer_name, customer_email, package_type, directory_limit,
                                 priority_level, status, business_data)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)""",
            (job_id, customer_id, business.get("businessName", "Legacy Customer"),
             business.get("email", "owner@legacy.example"), package, limit, priority_level, status,
             json.dumps(business)))
    return job_id
