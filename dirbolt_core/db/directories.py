"""The directory catalog (`directories`)."""

from __future__ import annotations

from collections.abc import Sequence

from psycopg.types.json import Jsonb

from dirbolt_core.db.pool import Database, reconnecting
from dirbolt_core.models import Directory


class DirectoryRepository:
    def __init__(self, db: Database):
        self._db = db

    def upsert(self, directories: Sequence[Directory]) -> int:
        with self._db.transaction() as conn:
            for d in directories:
                conn.execute(
                    """INSERT INTO directories (id, name, url, submission_url, category, tier,
                           domain_authority, priority, rate_limit_ms, requires_login, has_captcha,
                           is_active, selectors, submit_selector, notes, updated_at)
                       VALUES (%(id)s, %(name)s, %(url)s, %(submission_url)s, %(category)s, %(tier)s,
                           %(domain_authority)s, %(priority)s, %(rate_limit_ms)s, %(requires_login)s,
                           %(has_captcha)s, %(is_active)s, %(selectors)s, %(submit_selector)s, %(notes)s,
                           now())
                       ON CONFLICT (id) DO UPDATE SET
                           name = EXCLUDED.name, url = EXCLUDED.url,
                           submission_url = EXCLUDED.submission_url, category = EXCLUDED.category,
                           tier = EXCLUDED.tier, domain_authority = EXCLUDED.domain_authority,
                           priority = EXCLUDED.priority, rate_limit_ms = EXCLUDED.rate_limit_ms,
                           requires_login = EXCLUDED.requires_login, has_captcha = EXCLUDED.has_captcha,
                           is_active = EXCLUDED.is_active, selectors = EXCLUDED.selectors,
                           submit_selector = EXCLUDED.submit_selector, notes = EXCLUDED.notes,
                           updated_at = now()""",
                    {
                        **d.model_dump(mode="json", exclude={"selectors"}),
                        "selectors": Jsonb(d.selectors),
                    },
                )
        return len(directories)

    @reconnecting
    def list(self, *, active_only: bool = True) -> list[Directory]:
        sql = "SELECT * FROM directories"
        if active_only:
            sql += " WHERE is_active"
        with self._db.connection() as conn:
            return [Directory.model_validate(r) for r in conn.execute(sql + " ORDER BY id").fetchall()]

    def get(self, directory_id: str) -> Directory | None:
        with self._db.connection() as conn:
            row = conn.execute("SELECT * FROM directories WHERE id = %s", (directory_id,)).fetchone()
        return Directory.model_validate(row) if row else None
