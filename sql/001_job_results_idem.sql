-- Customers, jobs and job_results, shaped so the legacy poller's tables are kept:
-- every CREATE is IF NOT EXISTS with the legacy columns, and what the new system
-- needs is added with ADD COLUMN IF NOT EXISTS. The legacy writer never sets the
-- new columns; a NULL idempotency_key does not collide under the unique index.

CREATE TABLE IF NOT EXISTS customers (
    id          text PRIMARY KEY,
    name        text,
    email       text,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS jobs (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    customer_id      text,
    package_type     text,
    directory_limit  integer,
    priority_level   integer,
    status           text,
    business_data    jsonb,
    created_at       timestamptz DEFAULT now(),
    updated_at       timestamptz DEFAULT now(),
    started_at       timestamptz,
    completed_at     timestamptz,
    error_message    text
);

ALTER TABLE jobs ADD COLUMN IF NOT EXISTS priority text;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS package_size integer;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS source text;            -- 'dirbolt' or NULL (legacy)
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS message_id text;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS run_id text;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS routing text;           -- 'live' | 'shadow'
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS queued_at timestamptz;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS started_at timestamptz;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS completed_at timestamptz;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS error_message text;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS updated_at timestamptz DEFAULT now();

CREATE INDEX IF NOT EXISTS jobs_status_idx ON jobs (status);

CREATE TABLE IF NOT EXISTS job_results (
    id                        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    job_id                    uuid REFERENCES jobs (id),
    directory_name            text,
    directory_url             text,
    submission_status         text,
    listing_url               text,
    rejection_reason          text,
    error_message             text,
    processing_time_seconds   numeric,
    created_at                timestamptz DEFAULT now(),
    updated_at                timestamptz DEFAULT now()
);

ALTER TABLE job_results ADD COLUMN IF NOT EXISTS idempotency_key text;
ALTER TABLE job_results ADD COLUMN IF NOT EXISTS directory_id text;
ALTER TABLE job_results ADD COLUMN IF NOT EXISTS status text;               -- the new system's status
ALTER TABLE job_results ADD COLUMN IF NOT EXISTS reason text;
ALTER TABLE job_results ADD COLUMN IF NOT EXISTS attempts integer NOT NULL DEFAULT 0;
ALTER TABLE job_results ADD COLUMN IF NOT EXISTS confidence double precision;
ALTER TABLE job_results ADD COLUMN IF NOT EXISTS evidence jsonb;
ALTER TABLE job_results ADD COLUMN IF NOT EXISTS field_values jsonb;
ALTER TABLE job_results ADD COLUMN IF NOT EXISTS screenshot_uri text;
ALTER TABLE job_results ADD COLUMN IF NOT EXISTS html_uri text;
ALTER TABLE job_results ADD COLUMN IF NOT EXISTS claim_owner text;
ALTER TABLE job_results ADD COLUMN IF NOT EXISTS claimed_at timestamptz;
-- Set just before the final submit is pressed: a crashed attempt with this set has
-- an unknown outcome and must be verified, never blindly submitted again.
ALTER TABLE job_results ADD COLUMN IF NOT EXISTS submit_started_at timestamptz;
ALTER TABLE job_results ADD COLUMN IF NOT EXISTS started_at timestamptz;
ALTER TABLE job_results ADD COLUMN IF NOT EXISTS finished_at timestamptz;
ALTER TABLE job_results ADD COLUMN IF NOT EXISTS rate_limit_wait_ms integer;
ALTER TABLE job_results ADD COLUMN IF NOT EXISTS run_id text;
ALTER TABLE job_results ADD COLUMN IF NOT EXISTS shadow boolean NOT NULL DEFAULT false;
ALTER TABLE job_results ADD COLUMN IF NOT EXISTS updated_at timestamptz DEFAULT now();

-- The exactly-once guard: one row per idempotency key, ever.
CREATE UNIQUE INDEX IF NOT EXISTS job_results_idempotency_key_uq
    ON job_results (idempotency_key);
CREATE INDEX IF NOT EXISTS job_results_job_id_idx ON job_results (job_id);
