-- dirbolt beside the legacy poller, in the legacy platform's own tables (issue 16).
--
-- The legacy poller reads the same jobs table: it takes the first 'pending' job (priority_level
-- 1 first, then the oldest) and marks it in_progress with its worker in assigned_to. dirbolt
-- writes the legacy columns of its own rows in the legacy platform's words (legacy status values,
-- NOT NULL customer_name/customer_email, counters, a valid directory_tier) and keeps its richer
-- state in columns of its own. A job dirbolt runs live is in_progress and assigned to 'dirbolt',
-- never pending, so the poller never takes it; a job left to the legacy poller stays its own.
--
-- Applies to an empty database and to one holding the legacy platform's tables: it adds columns
-- (IF NOT EXISTS: a legacy column is never redefined), functions, triggers and constraints that
-- act on dirbolt's rows only, and never changes a legacy row.

-- ------------------------------------------------------------------ jobs
-- The legacy columns dirbolt fills (they exist already in a legacy database).
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS customer_name text;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS customer_email text;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS assigned_to text;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS directories_to_process integer NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS directories_completed integer NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS directories_failed integer NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS progress_percentage numeric(5,2) DEFAULT 0;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS retry_count integer NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS max_retries integer NOT NULL DEFAULT 3;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS business_name text;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS email text;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS phone text;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS website text;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS address text;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS city text;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS state text;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS zip text;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS description text;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS category text;

-- dirbolt's own view of a job: its status (pending, queued, running, completed, failed, rejected,
-- ...) and its own run times, which never overwrite the legacy poller's.
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS dirbolt_status text;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS dirbolt_started_at timestamptz;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS dirbolt_completed_at timestamptz;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS dirbolt_error text;
CREATE INDEX IF NOT EXISTS jobs_dirbolt_status_idx ON jobs (dirbolt_status, queued_at) WHERE source = 'dirbolt';

-- The legacy word for dirbolt's status of a job it runs; NULL for a status it does not know.
CREATE OR REPLACE FUNCTION dirbolt_legacy_job_status(dirbolt_status text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE dirbolt_status
        WHEN 'pending' THEN 'in_progress'        -- ordered and already dirbolt's: not the poller's
        WHEN 'queued' THEN 'in_progress'
        WHEN 'running' THEN 'in_progress'
        WHEN 'completed' THEN 'completed'
        WHEN 'failed' THEN 'failed'
        WHEN 'rejected' THEN 'failed'
        WHEN 'dead_lettered' THEN 'failed'
        WHEN 'cancelled' THEN 'cancelled'
    END
$$;

-- The jobs dirbolt wrote before this migration: dirbolt's status moves to its own column.
UPDATE jobs SET dirbolt_status = COALESCE(status, 'pending'), dirbolt_started_at = started_at,
                dirbolt_completed_at = completed_at, dirbolt_error = error_message
WHERE source = 'dirbolt' AND dirbolt_status IS NULL;
-- Shadow meant "dirbolt only fills the forms": the order is the legacy poller's to submit.
UPDATE jobs SET status = 'pending', assigned_to = NULL, started_at = NULL, completed_at = NULL
WHERE source = 'dirbolt' AND routing = 'shadow' AND status NOT IN ('pending', 'in_progress', 'completed', 'failed',
                                                                  'paused', 'cancelled');
-- Live jobs, and jobs dirbolt took before routing them, are dirbolt's: legacy status, assigned_to.
UPDATE jobs SET status = COALESCE(dirbolt_legacy_job_status(dirbolt_status), 'in_progress'),
                assigned_to = 'dirbolt'
WHERE source = 'dirbolt' AND (routing = 'live' OR (routing IS NULL AND dirbolt_status <> 'pending'));
UPDATE jobs SET status = 'pending' WHERE source = 'dirbolt' AND routing IS NULL AND dirbolt_status = 'pending';
-- The legacy scale of priority_level: 1 is the highest (enterprise).
UPDATE jobs SET priority_level = CASE priority WHEN 'enterprise' THEN 1 WHEN 'professional' THEN 2
                                               WHEN 'growth' THEN 3 WHEN 'starter' THEN 4 END
WHERE source = 'dirbolt' AND priority IN ('enterprise', 'professional', 'growth', 'starter');
UPDATE jobs SET customer_name = COALESCE(business_data ->> 'contact_name', business_data ->> 'business_name', ''),
                customer_email = COALESCE(business_data ->> 'email', '')
WHERE source = 'dirbolt' AND (customer_name IS NULL OR customer_email IS NULL);

-- Whatever writes a job dirbolt runs live writes a legacy status there.
ALTER TABLE jobs ADD CONSTRAINT dirbolt_live_jobs_legacy_status
    CHECK (routing IS DISTINCT FROM 'live'
           OR status IN ('pending', 'in_progress', 'completed', 'failed', 'paused', 'cancelled'));

-- ------------------------------------------------------------------ job_results
ALTER TABLE job_results ADD COLUMN IF NOT EXISTS customer_id text;
ALTER TABLE job_results ADD COLUMN IF NOT EXISTS directory_category text;
ALTER TABLE job_results ADD COLUMN IF NOT EXISTS directory_tier text DEFAULT 'standard';
ALTER TABLE job_results ADD COLUMN IF NOT EXISTS domain_authority integer;
ALTER TABLE job_results ADD COLUMN IF NOT EXISTS submitted_at timestamptz;
ALTER TABLE job_results ADD COLUMN IF NOT EXISTS approved_at timestamptz;
ALTER TABLE job_results ADD COLUMN IF NOT EXISTS failed_at timestamptz;
ALTER TABLE job_results ADD COLUMN IF NOT EXISTS retry_count integer NOT NULL DEFAULT 0;

UPDATE job_results r SET customer_id = j.customer_id
FROM jobs j WHERE j.id = r.job_id AND r.idempotency_key IS NOT NULL AND r.customer_id IS NULL;

-- The legacy word for dirbolt's status of a submission; NULL for a status it does not know.
CREATE OR REPLACE FUNCTION dirbolt_legacy_submission_status(dirbolt_status text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE dirbolt_status
        WHEN 'pending' THEN 'pending'
        WHEN 'processing' THEN 'processing'
        WHEN 'submitted' THEN 'submitted'
        WHEN 'approved' THEN 'approved'
        WHEN 'rejected' THEN 'rejected'
        WHEN 'failed' THEN 'failed'
        WHEN 'skipped' THEN 'skipped'
        WHEN 'needs_manual' THEN 'pending'            -- a person still has to act
        WHEN 'pending_verification' THEN 'processing' -- sent; live once its e-mail link is opened
        WHEN 'nap_mismatch' THEN 'approved'           -- live, with details that differ
        WHEN 'cancelled' THEN 'skipped'
    END
$$;

-- Every dirbolt row (it has an idempotency key) carries its status in the legacy words, and the
-- legacy timestamps of those words, whichever code path wrote it.
CREATE OR REPLACE FUNCTION dirbolt_results_legacy_columns() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.submission_status := COALESCE(dirbolt_legacy_submission_status(NEW.status), 'pending');
    IF NEW.submission_status IN ('submitted', 'approved') THEN
        NEW.submitted_at := COALESCE(NEW.submitted_at, NEW.finished_at, now());
    END IF;
    IF NEW.submission_status = 'approved' THEN
        NEW.approved_at := COALESCE(NEW.approved_at, NEW.finished_at, now());
    END IF;
    NEW.failed_at := CASE WHEN NEW.submission_status = 'failed' THEN COALESCE(NEW.finished_at, now()) END;
    RETURN NEW;
END;
$$;
DROP TRIGGER IF EXISTS dirbolt_results_legacy_columns ON job_results;
CREATE TRIGGER dirbolt_results_legacy_columns
    BEFORE INSERT OR UPDATE ON job_results
    FOR EACH ROW WHEN (NEW.idempotency_key IS NOT NULL)
    EXECUTE FUNCTION dirbolt_results_legacy_columns();

-- The legacy counters of a job dirbolt runs live, kept current as its results change (the legacy
-- platform's own definitions: completed = submitted or approved; 100% once the job completed).
CREATE OR REPLACE FUNCTION dirbolt_refresh_legacy_progress() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- The job's row first: concurrent submissions of one job count one after the other, each
    -- seeing what the one before it committed (a count taken before the lock would miss it).
    PERFORM 1 FROM jobs WHERE id = NEW.job_id AND routing = 'live' FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    UPDATE jobs j SET directories_to_process = c.total, directories_completed = c.done,
                      directories_failed = c.failed,
                      progress_percentage = CASE WHEN j.dirbolt_status = 'completed' THEN 100
                                                 WHEN c.total = 0 THEN 0
                                                 ELSE round(100.0 * c.done / c.total, 2) END
    FROM (SELECT count(*)::integer AS total,
                 count(*) FILTER (WHERE submission_status IN ('submitted', 'approved'))::integer AS done,
                 count(*) FILTER (WHERE submission_status = 'failed')::integer AS failed
          FROM job_results WHERE job_id = NEW.job_id AND idempotency_key IS NOT NULL) c
    WHERE j.id = NEW.job_id AND j.routing = 'live'
      AND (j.directories_to_process, j.directories_completed, j.directories_failed)
          IS DISTINCT FROM (c.total, c.done, c.failed);
    RETURN NULL;
END;
$$;
DROP TRIGGER IF EXISTS dirbolt_results_progress_insert ON job_results;
CREATE TRIGGER dirbolt_results_progress_insert
    AFTER INSERT ON job_results
    FOR EACH ROW WHEN (NEW.idempotency_key IS NOT NULL)
    EXECUTE FUNCTION dirbolt_refresh_legacy_progress();
DROP TRIGGER IF EXISTS dirbolt_results_progress_update ON job_results;
CREATE TRIGGER dirbolt_results_progress_update
    AFTER UPDATE ON job_results
    FOR EACH ROW WHEN (NEW.idempotency_key IS NOT NULL AND OLD.submission_status IS DISTINCT FROM NEW.submission_status)
    EXECUTE FUNCTION dirbolt_refresh_legacy_progress();

-- dirbolt rows satisfy the legacy checks in every database, an empty one included.
ALTER TABLE job_results ADD CONSTRAINT dirbolt_results_legacy_status
    CHECK (idempotency_key IS NULL
           OR submission_status IN ('pending', 'processing', 'submitted', 'approved', 'rejected', 'failed', 'skipped'));
ALTER TABLE job_results ADD CONSTRAINT dirbolt_results_legacy_tier
    CHECK (idempotency_key IS NULL OR directory_tier IS NULL
           OR directory_tier IN ('standard', 'premium', 'enterprise'));
ALTER TABLE job_results ADD CONSTRAINT dirbolt_results_customer
    CHECK (idempotency_key IS NULL OR customer_id IS NOT NULL) NOT VALID;

-- ------------------------------------------------------------------ customers
-- dirbolt keeps no customer accounts. Migration 001 made a small `customers` table of its own in a
-- database without one (id text, name, email, created_at): it is renamed, so that the only
-- `customers` is ever the legacy platform's. dirbolt's role may not write the legacy accounts.
DO $$
DECLARE
    extra_columns integer;
    id_type text;
BEGIN
    IF to_regclass('customers') IS NULL THEN
        RETURN;
    END IF;
    SELECT count(*) FILTER (WHERE column_name NOT IN ('id', 'name', 'email', 'created_at')),
           max(data_type) FILTER (WHERE column_name = 'id')
    INTO extra_columns, id_type
    FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name = 'customers';
    IF extra_columns = 0 AND id_type = 'text' AND to_regclass('dirbolt_customers') IS NULL THEN
        ALTER TABLE customers RENAME TO dirbolt_customers;
    ELSIF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dirbolt_app') THEN
        REVOKE ALL ON customers FROM dirbolt_app;
    END IF;
END
$$;

-- ------------------------------------------------------------------ row level security
-- The legacy tables have row level security; their policies may name only the legacy platform's
-- roles. dirbolt's role gets its own policy, so it reads and writes them whatever those say.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dirbolt_app') THEN
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = current_schema() AND tablename = 'jobs'
                                              AND policyname = 'dirbolt_app_jobs') THEN
        CREATE POLICY dirbolt_app_jobs ON jobs FOR ALL TO dirbolt_app USING (true) WITH CHECK (true);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = current_schema() AND tablename = 'job_results'
                                              AND policyname = 'dirbolt_app_job_results') THEN
        CREATE POLICY dirbolt_app_job_results ON job_results FOR ALL TO dirbolt_app USING (true) WITH CHECK (true);
    END IF;
END
$$;
