"""The migration from the legacy poller: rollout settings (`rollout_settings`), legacy results and the
comparisons with them (`legacy_comparisons`)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from pydantic import BaseModel

from dirbolt_core.db.audit import record
from dirbolt_core.db.pool import Database, reconnecting
from dirbolt_core.migration.compare import Comparison
from dirbolt_core.migration.routing import RolloutSettings


class LegacyResult(BaseModel):
    """A result row the legacy poller wrote (no idempotency key)."""

    directory_name: str | None = None
    directory_url: str | None = None
    submission_status: str | None = None
    listing_url: str | None = None
    rejection_reason: str | None = None
    error_message: str | None = None
    processing_time_seconds: float | None = None


class NewResult(BaseModel):
    """A result of the new system, as the comparison reads it."""

    directory_id: str
    directory_name: str | None = None
    directory_url: str | None = None
    status: str
    reason: str | None = None


class Agreement(BaseModel):
    """Directories both systems handled, and how many of them agree (for one key, or overall)."""

    key: str | dt.date | None = None
    compared: int
    agreeing: int


class RolloutRepository:
    def __init__(self, db: Database):
        self._db = db

    @reconnecting
    def settings(self) -> RolloutSettings:
        with self._db.connection() as conn:
            row = conn.execute("SELECT routing_percent, legacy_comparison, updated_by FROM rollout_settings"
                               ).fetchone()
        if row is None:
            return RolloutSettings(routing_percent=100, legacy_comparison=False)
        return RolloutSettings(**row)

    def set(self, *, actor: str, routing_percent: int | None = None,
            legacy_comparison: bool | None = None) -> RolloutSettings:
        with self._db.transaction() as conn:
            before = conn.execute("SELECT routing_percent, legacy_comparison FROM rollout_settings FOR UPDATE"
                                  ).fetchone()
            conn.execute(
                """UPDATE rollout_settings SET routing_percent = COALESCE(%s, routing_percent),
                       legacy_comparison = COALESCE(%s, legacy_comparison), updated_at = now(), updated_by = %s""",
                (routing_percent, legacy_comparison, actor),
            )
            after = conn.execute("SELECT routing_percent, legacy_comparison FROM rollout_settings").fetchone()
            record(conn, entity="rollout", event="rollout_changed", from_status=str(before),
                   to_status=str(after), detail={"before": before, "after": after}, actor=actor)
        return self.settings()

    def legacy_results(self, job_id: uuid.UUID | str) -> list[LegacyResult]:
        with self._db.connection() as conn:
            rows = conn.execute(
                """SELECT directory_name, directory_url, submission_status, listing_url, rejection_reason,
                          error_message, processing_time_seconds::float AS processing_time_seconds
                   FROM job_results WHERE job_id = %s AND idempotency_key IS NULL""",
                (job_id,),
            ).fetchall()
        return [LegacyResult.model_validate(r) for r in rows]

    def new_results(self, job_id: uuid.UUID | str) -> list[NewResult]:
        with self._db.connection() as conn:
            rows = conn.execute(
                """SELECT directory_id, directory_name, directory_url, status, reason
                   FROM job_results WHERE job_id = %s AND idempotency_key IS NOT NULL""",
                (job_id,),
            ).fetchall()
        return [NewResult.model_validate(r) for r in rows]

    def save_comparisons(self, job_id: uuid.UUID | str, comparisons: Sequence[Comparison]) -> None:
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM legacy_comparisons WHERE job_id = %s", (job_id,))
            for c in comparisons:
                conn.execute(
                    """INSERT INTO legacy_comparisons (job_id, directory_key, directory_id, legacy_status,
                           new_status, legacy_scale, new_scale, agree, reason)
                       VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)""",
                    (job_id, c.directory_key, c.directory_id, c.legacy_status, c.new_status, c.legacy_scale,
                     c.new_scale, c.agree, c.reason),
                )

    def agreement(self, *, days: int = 7, by: str | None = None) -> list[Agreement]:
        """Agreement over the last `days` on directories both systems handled: overall (one row),
        by "directory" (directory key) or by "day"."""
        key = {None: "NULL", "directory": "directory_key", "day": "date_trunc('day', compared_at)::date"}[by]
        group = "" if by is None else "GROUP BY 1 ORDER BY 1"
        with self._db.connection() as conn:
            rows = conn.execute(
                f"""SELECT {key} AS key, count(*) AS compared, count(*) FILTER (WHERE agree) AS agreeing
                    FROM legacy_comparisons
                    WHERE legacy_status IS NOT NULL AND new_status IS NOT NULL
                      AND compared_at > now() - make_interval(days => %s)
                    {group}""",
                (days,),
            ).fetchall()
        return [Agreement.model_validate(r) for r in rows]
