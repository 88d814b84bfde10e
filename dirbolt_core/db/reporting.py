"""Reads across aggregates for operator metrics and the migration gates: finished submissions (live,
or shadow runs' predictions), jobs waiting and running over time."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from dirbolt_core.db.pool import Database
from dirbolt_core.db.shadow import LATENCY_S, results_table


class FinishedSubmission(BaseModel):
    """A finished submission of the new system (live or shadow; legacy rows are left out)."""

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

    def finished(self, *, days: int = 7, now: dt.datetime | None = None,
                 shadow: bool = False) -> list[FinishedSubmission]:
        """Finished live submissions (or, `shadow`, shadow runs' predictions) of the `days` days up to `now`
        (default: the database's now)."""
        with self._db.connection() as conn:
            rows = conn.execute(
                f"""SELECT r.job_id::text AS job_id, r.directory_id,
                          COALESCE(d.name, r.directory_name, r.directory_id) AS directory_name,
                          r.status, r.reason, r.finished_at,
                          COALESCE({LATENCY_S}, EXTRACT(EPOCH FROM r.finished_at - (
                              SELECT min(h.at) FROM queue_history h
                              WHERE h.job_id = r.job_id AND h.directory_id = r.directory_id
                                AND h.entity = 'submission' AND h.event = 'claimed'))::float
                          ) AS processing_time_seconds,
                          r.rate_limit_wait_ms
                   FROM {results_table(shadow)} r LEFT JOIN directories d ON d.id = r.directory_id
                   WHERE r.idempotency_key IS NOT NULL
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
                          count(j.id) FILTER (WHERE j.dirbolt_started_at IS NULL OR j.dirbolt_started_at > t.at)
                              AS waiting,
                          count(j.id) FILTER (WHERE j.dirbolt_started_at <= t.at) AS running
                   FROM generate_series(%(now)s - make_interval(days => %(days)s), %(now)s,
                                        make_interval(mins => %(step)s)) AS t(at)
                   LEFT JOIN jobs j ON j.source = 'dirbolt' AND j.queued_at <= t.at
                                   AND (j.dirbolt_completed_at IS NULL OR j.dirbolt_completed_at > t.at)
                   GROUP BY t.at ORDER BY t.at""",
                {"now": now, "days": days, "step": step_minutes},
            ).fetchall()
        return [QueueDepthPoint.model_validate(r) for r in rows]
