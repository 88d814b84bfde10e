CREATE TABLE IF NOT EXISTS worker_heartbeats (
    worker_id     text PRIMARY KEY,
    hostname      text,
    pid           integer,
    run_id        text,
    job_id        uuid,
    status        text NOT NULL CHECK (status IN ('starting', 'running', 'idle', 'stopped')),
    started_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    detail        jsonb
);

-- Silent for over two minutes. The threshold can be shortened for a session
-- (SET dirbolt.stale_after_seconds = 5) so tests need not wait two minutes.
CREATE OR REPLACE VIEW stale_workers AS
SELECT w.*, now() - w.last_seen_at AS silent_for
FROM worker_heartbeats w
WHERE w.status <> 'stopped'
  AND w.last_seen_at < now() - make_interval(
        secs => COALESCE(NULLIF(current_setting('dirbolt.stale_after_seconds', true), '')::int, 120));
