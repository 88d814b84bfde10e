-- Issue 15: an order and its queue message in one transaction (a transactional outbox), and the
-- run attempt of a job (a cancelled job that is rerun gets a new run key).

-- One row per message to send; written in the same transaction as the job it announces. The relay
-- (sensor tick, `dirbolt enqueue`) sends the unsent rows, oldest first, and marks each sent.
CREATE TABLE IF NOT EXISTS dirbolt_outbox (
    id bigserial PRIMARY KEY,
    job_id uuid NOT NULL,
    body jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 0,
    last_attempt_at timestamptz,
    last_error text,
    sent_at timestamptz,
    message_id text
);
CREATE INDEX IF NOT EXISTS dirbolt_outbox_unsent ON dirbolt_outbox (id) WHERE sent_at IS NULL;

-- How many times the job was put back in the queue by an operator (`dirbolt rerun`): the sensor's
-- run key is the job id, then job-id#attempt, so a rerun is a new run request.
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS dirbolt_run_attempt integer NOT NULL DEFAULT 0;

-- `cancelled` needs no new legacy word: sql/012's dirbolt_legacy_job_status maps it to 'cancelled'.

GRANT SELECT, INSERT, UPDATE ON dirbolt_outbox TO dirbolt_app;
GRANT USAGE, SELECT ON SEQUENCE dirbolt_outbox_id_seq TO dirbolt_app;
