"""Reads across aggregates for operator metrics and the migration gates: finished live submissions,
jobs waiting and running over time."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from dirbolt_core.db.pool import Database


class FinishedSubmission(BaseModel):
    """A finished live submission of the new system (shadow and legacy rows are left out)."""

    job_id: str
    directory_id: str
    directory_name: str
    status: str
    reason: str | None = None
    finished_at: dt.datetime
    # Without a recorded processing time (a planned row whose claim did not set started_at), timed
    # from its first `claimed` event in queue_history to finished_at.
    processing_time_seconds: float | None = None
    rate_limit_wait_ms: int | None = None


class QueueDepthPoint(BaseModel):
    at: dt.datetime
    waiting: int
    running: int


class ReportingQueries:
    def __init__(self, db: Database):
        self._db = db

    def finished_live(self, *, days: int = 7, now: dt.datetime | None = None) -> list[FinishedSubmission]:
        """Finished live submissions of the `days` days up to `now` (default: the database's now)."""
        with self._db.connection() as conn:
            rows = conn.execute(
                """SELECT r.job_id::text AS job_id, r.directory_id,
                          COALESCE(d.name, r.directory_name, r.directory_id) AS directory_name,
                          r.status, r.reason, r.finished_at,
                          COALESCE(r.processing_time_seconds::float, EXTRACT(EPOCH FROM r.finished_at - (
                              SELECT min(h.at) FROM queue_history h
                              WHERE h.job_id = r.job_id AND h.directory_id = r.directory_id
                                AND h.entity = 'submission' AND h.event = 'claimed'))::float
                          ) AS processing_time_seconds,
                          r.rate_limit_wait_ms
                   FROM job_results r LEFT JOIN directories d ON d.id = r.directory_id
                   WHERE r.idempotency_key IS NOT NULL AND NOT r.shadow
                     AND r.status NOT IN ('pending', 'processing')
                     AND r.finished_at > COALESCE(%(now)s, now()) - make_interval(days => %(days)s)
                     AND r.finished_at <= COALESCE(%(now)s, now())""",
                {"now": now, "days": days},
            ).fetchall()
        return [FinishedSubmission.model_validate(r) for r in rows]

    def queue_depth(self, *, days: int = 7, now: dt.datetime, step_minutes: int = 60) -> list[QueueDepthPoint]:
        """Jobs waiting (queued, not started) and running at each step, from the jobs table's timestamps."""
        with self._db.connection() as conn:
            rows = conn.execute(
                """SELECT t.at,
                          count(j.id) FILTER (WHERE j.started_at IS NULL OR j.started_at > t.at) AS waiting,
                          count(j.id) FILTER (WHERE j.started_at <= t.at) AS running
                   FROM generate_series(%(now)s - make_interval(days => %(days)s), %(now)s,
                                        make_interval(mins => %(step)s)) AS t(at)
                   LEFT JOIN jobs j ON j.source = 'dirbolt' AND j.queued_at <= t.at
                                   AND (j.completed_at IS NULL OR j.completed_at > t.at)
                   GROUP BY t.at ORDER BY t.at""",
                {"now": now, "days": days, "step": step_minutes},
            ).fetchall()
        return [QueueDepthPoint.model_validate(r) for r in rows]
