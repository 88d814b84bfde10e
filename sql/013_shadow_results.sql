-- Shadow results live in dirbolt's own table, never in the shared job_results (issue 15, defect 2).
--
-- A shadow job is the legacy poller's to submit: it reads and counts that job's job_results rows
-- (its progress, its dashboards, a unique directory per job in some of its migrations). A shadow
-- row there read as a real submission and inflated the legacy counts. Shadow rows hold what the
-- new system predicted for a form it filled and never submitted; they are compared with the
-- legacy results and gate the first live phase.

CREATE TABLE IF NOT EXISTS dirbolt_shadow_results (
    id                        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    idempotency_key           text NOT NULL,
    job_id                    uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    customer_id               text,
    directory_id              text,
    directory_name            text,
    directory_url             text,
    directory_category        text,
    directory_tier            text,
    domain_authority          integer,
    status                    text NOT NULL DEFAULT 'pending',     -- the predicted outcome
    reason                    text,
    rejection_reason          text,
    error_message             text,
    listing_url               text,
    attempts                  integer NOT NULL DEFAULT 0,
    retry_count               integer NOT NULL DEFAULT 0,
    confidence                double precision,
    evidence                  jsonb,
    field_values              jsonb,
    screenshot_uri            text,
    html_uri                  text,
    claim_owner               text,
    claimed_at                timestamptz,
    submit_started_at         timestamptz,
    started_at                timestamptz,
    finished_at               timestamptz,
    processing_time_seconds   numeric,
    rate_limit_wait_ms        integer,
    run_id                    text,
    shadow                    boolean NOT NULL DEFAULT true CHECK (shadow),
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT dirbolt_shadow_results_idempotency_key_uq UNIQUE (idempotency_key)
);
CREATE INDEX IF NOT EXISTS dirbolt_shadow_results_job_idx ON dirbolt_shadow_results (job_id);
CREATE INDEX IF NOT EXISTS dirbolt_shadow_results_finished_idx ON dirbolt_shadow_results (finished_at);

-- Shadow rows written into job_results before this migration move here.
INSERT INTO dirbolt_shadow_results (
    idempotency_key, job_id, customer_id, directory_id, directory_name, directory_url, directory_category,
    directory_tier, domain_authority, status, reason, rejection_reason, error_message, listing_url, attempts,
    confidence, evidence, field_values, screenshot_uri, html_uri, claim_owner, claimed_at, submit_started_at,
    started_at, finished_at, processing_time_seconds, rate_limit_wait_ms, run_id, created_at, updated_at)
SELECT idempotency_key, job_id, customer_id, directory_id, directory_name, directory_url, directory_category,
       directory_tier, domain_authority, COALESCE(status, 'pending'), reason, rejection_reason, error_message,
       listing_url, attempts, confidence, evidence, field_values, screenshot_uri, html_uri, claim_owner, claimed_at,
       submit_started_at, started_at, finished_at, processing_time_seconds, rate_limit_wait_ms, run_id,
       created_at, updated_at
FROM job_results WHERE shadow AND idempotency_key IS NOT NULL
ON CONFLICT (idempotency_key) DO NOTHING;
DELETE FROM job_results WHERE shadow AND idempotency_key IS NOT NULL;

-- From now on job_results holds real submissions only.
ALTER TABLE job_results ADD CONSTRAINT dirbolt_results_not_shadow CHECK (NOT shadow);

GRANT SELECT, INSERT, UPDATE ON dirbolt_shadow_results TO dirbolt_app;
