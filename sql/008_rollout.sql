-- Migration from the legacy poller: the rollout setting, legacy comparisons.

-- The legacy writer may restrict jobs.status to its own words; the new system adds
-- queued/running/rejected. Drop such CHECK constraints (the legacy writer still writes
-- its own values, which stay valid).
DO $$
DECLARE c record;
BEGIN
    FOR c IN
        SELECT con.conname FROM pg_constraint con
        JOIN pg_class rel ON rel.oid = con.conrelid
        WHERE rel.relname = 'jobs' AND con.contype = 'c'
          AND pg_get_constraintdef(con.oid) ILIKE '%status%'
    LOOP
        EXECUTE format('ALTER TABLE jobs DROP CONSTRAINT %I', c.conname);
    END LOOP;
END
$$;

-- One row: the share of jobs that run live (the rest run shadow) and whether results
-- are compared with the legacy system's.
CREATE TABLE IF NOT EXISTS rollout_settings (
    id                 boolean PRIMARY KEY DEFAULT true CHECK (id),
    routing_percent    integer NOT NULL CHECK (routing_percent BETWEEN 0 AND 100),
    legacy_comparison  boolean NOT NULL DEFAULT true,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    updated_by         text
);
-- A database that already holds the legacy system's jobs starts in shadow (0% live);
-- an empty one has nothing to migrate from and starts live.
INSERT INTO rollout_settings (routing_percent, legacy_comparison, updated_by)
SELECT CASE WHEN EXISTS (SELECT 1 FROM jobs WHERE source IS NULL) THEN 0 ELSE 100 END,
       EXISTS (SELECT 1 FROM jobs WHERE source IS NULL),
       'migration 008'
ON CONFLICT (id) DO NOTHING;

CREATE TABLE IF NOT EXISTS legacy_comparisons (
    job_id         uuid NOT NULL,
    directory_key  text NOT NULL,
    directory_id   text,
    legacy_status  text,
    new_status     text,
    legacy_scale   text,
    new_scale      text,
    agree          boolean NOT NULL,
    reason         text,
    compared_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, directory_key)
);
CREATE INDEX IF NOT EXISTS legacy_comparisons_day_idx ON legacy_comparisons (compared_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON legacy_comparisons TO dirbolt_app;
GRANT SELECT, UPDATE ON rollout_settings TO dirbolt_app;

-- Rollout changes are audited like every other state change.
ALTER TABLE queue_history DROP CONSTRAINT IF EXISTS queue_history_entity_check;
ALTER TABLE queue_history ADD CONSTRAINT queue_history_entity_check
    CHECK (entity IN ('message', 'job', 'submission', 'worker', 'rollout'));
