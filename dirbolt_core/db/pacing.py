"""Per-directory pacing (`directory_rate_limits`, `directory_slot_waiters`): one submission at a time
per directory across every process, `rate_limit_ms` apart, higher priority first."""

from __future__ import annotations

from dirbolt_core.db.pool import Database, reconnecting


class PacingRepository:
    def __init__(self, db: Database):
        self._db = db

    @reconnecting
    def try_acquire(self, directory_id: str, *, holder: str, lease_s: float = 120.0, priority: int = 0) -> float:
        """Try to take a directory's submission slot.

        Returns 0.0 when taken, else the seconds to wait before trying again. The slot is
        a lease: one holder at a time per directory, across every process, and it frees
        itself if the holder dies. Waiters are ranked: a higher priority (enterprise) goes
        first, then whoever waited longest; a waiter that stopped polling is ignored.
        """
        with self._db.transaction() as conn:
            conn.execute(
                """INSERT INTO directory_rate_limits (directory_id, next_slot_at) VALUES (%s, 'epoch')
                   ON CONFLICT (directory_id) DO NOTHING""",
                (directory_id,),
            )
            row = conn.execute(
                """SELECT holder,
                          EXTRACT(EPOCH FROM held_until - clock_timestamp())::float AS held_for_s,
                          EXTRACT(EPOCH FROM next_slot_at - clock_timestamp())::float AS wait_s
                   FROM directory_rate_limits WHERE directory_id = %s FOR UPDATE""",
                (directory_id,),
            ).fetchone()
            me = conn.execute(
                """INSERT INTO directory_slot_waiters (directory_id, holder, priority) VALUES (%s, %s, %s)
                   ON CONFLICT (directory_id, holder) DO UPDATE SET polled_at = clock_timestamp(),
                       priority = EXCLUDED.priority
                   RETURNING since""",
                (directory_id, holder, priority),
            ).fetchone()
            if row["holder"] is not None and (row["held_for_s"] or 0) > 0 and row["holder"] != holder:
                return max(0.05, min(1.0, row["held_for_s"]))
            if row["wait_s"] > 0:
                return max(0.01, min(row["wait_s"], 1.0))
            ahead = conn.execute(
                """SELECT 1 FROM directory_slot_waiters
                   WHERE directory_id = %s AND holder <> %s
                     AND polled_at > clock_timestamp() - interval '3 seconds'
                     AND (priority > %s OR (priority = %s AND since < %s))
                   LIMIT 1""",
                (directory_id, holder, priority, priority, me["since"]),
            ).fetchone()
            if ahead:
                return 0.1
            conn.execute(
                """UPDATE directory_rate_limits SET holder = %s,
                       held_until = clock_timestamp() + make_interval(secs => %s)
                   WHERE directory_id = %s""",
                (holder, lease_s, directory_id),
            )
            conn.execute("DELETE FROM directory_slot_waiters WHERE directory_id = %s AND holder = %s",
                         (directory_id, holder))
            return 0.0

    @reconnecting
    def release(self, directory_id: str, *, holder: str, rate_limit_ms: int) -> None:
        """Free the slot; the next submission may start rate_limit_ms after now."""
        with self._db.connection() as conn:
            conn.execute(
                """UPDATE directory_rate_limits SET holder = NULL, held_until = NULL,
                       next_slot_at = clock_timestamp() + make_interval(secs => %s / 1000.0)
                   WHERE directory_id = %s AND holder = %s""",
                (rate_limit_ms, directory_id, holder),
            )
