"""One connection pool to the system of record (psycopg 3), shared by every repository."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout
from tenacity import retry, retry_if_exception_type, stop_after_delay, wait_exponential

# A database restart or failover drops connections for a few seconds. The calls a running
# job makes are idempotent (claims, finishes, heartbeats re-assert the same state), so they
# wait it out instead of failing the job.
reconnecting = retry(
    retry=retry_if_exception_type((psycopg.OperationalError, PoolTimeout)),
    wait=wait_exponential(multiplier=0.25, max=5),
    stop=stop_after_delay(60),
    reraise=True,
)


class Database:
    """The pool (autocommit connections, rows as dicts) and its connection/transaction scopes."""

    def __init__(self, dsn: str, *, min_size: int = 1, max_size: int = 10, role: str | None = None):
        self.dsn = dsn
        self._role = role
        self._pool = ConnectionPool(
            dsn,
            min_size=min_size,
            max_size=max_size,
            kwargs={"autocommit": True, "row_factory": dict_row},
            configure=self._configure if role else None,
            # A connection that died with a database restart is replaced, not handed out.
            check=ConnectionPool.check_connection,
            open=True,
            name="dirbolt-store",
        )

    def _configure(self, conn: psycopg.Connection) -> None:
        conn.execute(psycopg.sql.SQL("SET ROLE {}").format(psycopg.sql.Identifier(self._role)))

    def close(self) -> None:
        self._pool.close()

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        with self._pool.connection() as conn:
            yield conn

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection]:
        with self._pool.connection() as conn, conn.transaction():
            yield conn
