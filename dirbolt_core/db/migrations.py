"""Applies sql/NNN_*.sql in order, once each, recording what it applied."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

from dirbolt_core.settings import SQL_DIR

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
# Any fixed number: concurrent migrators (two workers starting at once) queue on it.
_ADVISORY_LOCK_ID = 0x0D1B0171


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    path: Path

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


class MigrationError(RuntimeError):
    pass


def discover(sql_dir: Path = SQL_DIR) -> list[Migration]:
    migrations = []
    for path in sorted(sql_dir.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNN_snake_case.sql")
        migrations.append(Migration(version=match.group(1), name=path.stem, path=path))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migrations share a number in {sql_dir}")
    return migrations


def apply_migrations(dsn: str, sql_dir: Path = SQL_DIR) -> list[str]:
    """Apply pending migrations; returns the names applied now. Each runs in its own transaction."""
    applied_now: list[str] = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_ADVISORY_LOCK_ID,))
        try:
            conn.execute(
                """CREATE TABLE IF NOT EXISTS dirbolt_schema_migrations (
                       version text PRIMARY KEY,
                       name text NOT NULL,
                       checksum text NOT NULL,
                       applied_at timestamptz NOT NULL DEFAULT now())"""
            )
            done = {
                row[0]: row[1]
                for row in conn.execute("SELECT version, checksum FROM dirbolt_schema_migrations")
            }
            for migration in discover(sql_dir):
                if migration.version in done:
                    if done[migration.version] != migration.checksum:
                        raise MigrationError(
                            f"{migration.name} changed after it was applied; add a new migration instead"
                        )
                    continue
                with conn.transaction():
                    conn.execute(migration.path.read_text())
                    conn.execute(
                        "INSERT INTO dirbolt_schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                        (migration.version, migration.name, migration.checksum),
                    )
                applied_now.append(migration.name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_ADVISORY_LOCK_ID,))
    return applied_now


def applied(dsn: str) -> list[tuple[str, str]]:
    with psycopg.connect(dsn) as conn:
        exists = conn.execute("SELECT to_regclass('dirbolt_schema_migrations') IS NOT NULL").fetchone()
        if not exists or not exists[0]:
            return []
        return [
            (r[0], r[1])
            for r in conn.execute("SELECT version, name FROM dirbolt_schema_migrations ORDER BY version")
        ]
