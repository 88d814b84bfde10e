"""Worker leases: which claim owners are alive, told by PostgreSQL itself.

A worker that submits holds, on one connection of its own, a session-level advisory lock keyed
on its worker id. When the worker dies (kill -9, a lost host, OOM) PostgreSQL drops the
connection and the lock with it, so any other worker on any host can tell that the rows the
dead one had claimed are orphans: those it had not pressed submit for may be claimed again,
those it had pressed go to a person (outcome unknown). A live owner's rows are never touched,
which is what lets many workers, on many hosts, share one job.

The same connection also holds a *shared* lock on the job. Workers of this version never
exclude one another; a worker of the previous release (which took that lock exclusively and
treated every other owner's row as an orphan) still waits for them, and they for it.
"""

from __future__ import annotations

import contextlib
import time
import uuid
import zlib

import psycopg

# First key of the two-key advisory locks that mark a live claim owner (ASCII "dbwl").
OWNER_LOCK_NAMESPACE = 0x6462776C


def owner_alive_sql(owner_column: str) -> str:
    """A SQL boolean: the claim owner named by `owner_column` holds its lease right now.

    Reads pg_locks (no lock is taken, so probing never makes a dead owner look alive).
    """
    return (
        "EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted"
        " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        f" AND l.classid = {OWNER_LOCK_NAMESPACE}::oid AND l.objid = hashtext({owner_column})::oid"
        " AND l.objsubid = 2)"
    )


def _job_lock_key(job_id: uuid.UUID | str) -> int:
    return zlib.crc32(f"job:{job_id}".encode())


class WorkerLease:
    """Held for as long as a worker may own claims; `release()` (or the process dying) ends it."""

    def __init__(self, conn: psycopg.Connection, worker_id: str):
        self._conn = conn
        self.worker_id = worker_id

    @classmethod
    def acquire(cls, dsn: str, worker_id: str, job_id: uuid.UUID | str, *, timeout_s: float = 600.0
                ) -> WorkerLease:
        conn = psycopg.connect(dsn, autocommit=True)
        try:
            got = conn.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))",
                               (OWNER_LOCK_NAMESPACE, worker_id)).fetchone()
            if not (got and got[0]):
                raise RuntimeError(f"worker id {worker_id} is already leased")
            deadline = time.monotonic() + timeout_s
            while not conn.execute("SELECT pg_try_advisory_lock_shared(%s)", (_job_lock_key(job_id),)).fetchone()[0]:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"job {job_id} is held exclusively by another run")
                time.sleep(0.5)
        except BaseException:
            conn.close()
            raise
        return cls(conn, worker_id)

    @property
    def held(self) -> bool:
        return not self._conn.closed

    def release(self) -> None:
        # Unlocked before closing: a closed session's locks go only when its backend has exited,
        # a moment after the client is gone (which is all a killed worker leaves behind).
        if not self._conn.closed:
            with contextlib.suppress(psycopg.Error):
                self._conn.execute("SELECT pg_advisory_unlock_all()")
        self._conn.close()

    def __enter__(self) -> WorkerLease:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
