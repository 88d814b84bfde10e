-- Append-only audit trail of every job, submission and message state change.
CREATE TABLE IF NOT EXISTS queue_history (
    id           bigserial PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    entity       text NOT NULL CHECK (entity IN ('message', 'job', 'submission', 'worker')),
    job_id       uuid,
    directory_id text,
    event        text NOT NULL,
    from_status  text,
    to_status    text,
    detail       jsonb,
    actor        text
);
CREATE INDEX IF NOT EXISTS queue_history_job_idx ON queue_history (job_id, at);

CREATE OR REPLACE FUNCTION queue_history_is_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'queue_history is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

DROP TRIGGER IF EXISTS queue_history_no_update ON queue_history;
CREATE TRIGGER queue_history_no_update
    BEFORE UPDATE OR DELETE ON queue_history
    FOR EACH ROW EXECUTE FUNCTION queue_history_is_append_only();
DROP TRIGGER IF EXISTS queue_history_no_truncate ON queue_history;
CREATE TRIGGER queue_history_no_truncate
    BEFORE TRUNCATE ON queue_history
    FOR EACH STATEMENT EXECUTE FUNCTION queue_history_is_append_only();
