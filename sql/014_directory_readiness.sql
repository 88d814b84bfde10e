-- Directories for production: imported catalogs, operator overrides, readiness from probes,
-- and the shortfall of a job whose package is larger than the directories it can use.

-- Catalog facts an import brings beside the planning columns of 004.
ALTER TABLE directories
    -- canonical key -> candidate CSS selectors (e.g. the legacy list's formMapping): hints the
    -- brain checks against the live form, never trusted like `selectors`.
    ADD COLUMN IF NOT EXISTS selector_hints    jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- where a login-required directory signs in (default: its submission page's sign-in wall)
    ADD COLUMN IF NOT EXISTS login_url         text,
    -- facts kept for people (difficulty, time to approval, success indicators ...)
    ADD COLUMN IF NOT EXISTS details           jsonb NOT NULL DEFAULT '{}'::jsonb,
    ADD COLUMN IF NOT EXISTS source            text,
    ADD COLUMN IF NOT EXISTS created_at        timestamptz NOT NULL DEFAULT now(),
    -- An operator's enable/disable wins over the catalog's is_active (NULL: follow the catalog),
    -- so re-importing the catalog on every start never undoes it.
    ADD COLUMN IF NOT EXISTS operator_enabled  boolean,
    ADD COLUMN IF NOT EXISTS operator_reason   text,
    ADD COLUMN IF NOT EXISTS operator_by       text,
    ADD COLUMN IF NOT EXISTS operator_at       timestamptz,
    -- The latest probe's verdict (directory_probes holds every one).
    ADD COLUMN IF NOT EXISTS readiness         text NOT NULL DEFAULT 'unprobed',
    ADD COLUMN IF NOT EXISTS readiness_reason  text,
    ADD COLUMN IF NOT EXISTS readiness_at      timestamptz,
    ADD COLUMN IF NOT EXISTS last_probe_id     bigint;

ALTER TABLE directories DROP CONSTRAINT IF EXISTS directories_readiness_check;
ALTER TABLE directories ADD CONSTRAINT directories_readiness_check CHECK (readiness IN
    ('unprobed', 'ready', 'needs_review', 'login_required', 'captcha', 'no_form', 'unreachable'));

-- One row per probe (a dry run that never presses submit) or vouch (a person or a known test
-- network saying "ready" without a probe).
CREATE TABLE IF NOT EXISTS directory_probes (
    id              bigserial PRIMARY KEY,
    directory_id    text NOT NULL,
    method          text NOT NULL DEFAULT 'probe' CHECK (method IN ('probe', 'vouched')),
    readiness       text NOT NULL CHECK (readiness IN
        ('ready', 'needs_review', 'login_required', 'captcha', 'no_form', 'unreachable')),
    reason          text,
    form_signature  text,
    -- the mapping the runner would use: per field, its label, key, confidence, strategy, required
    mapping         jsonb NOT NULL DEFAULT '[]'::jsonb,
    -- required fields left unmapped or mapped with low confidence
    unmapped        jsonb NOT NULL DEFAULT '[]'::jsonb,
    http_status     integer,
    final_url       text,
    screenshot_uri  text,
    html_uri        text,
    evidence        jsonb NOT NULL DEFAULT '{}'::jsonb,
    duration_ms     integer,
    probed_by       text,
    probed_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS directory_probes_directory_idx ON directory_probes (directory_id, id DESC);
CREATE INDEX IF NOT EXISTS directory_probes_day_idx ON directory_probes (probed_at);

-- What happened to a directory and who did it: imports, updates, enable/disable, vouches.
CREATE TABLE IF NOT EXISTS directory_events (
    id            bigserial PRIMARY KEY,
    directory_id  text NOT NULL,
    event         text NOT NULL,
    detail        jsonb,
    actor         text,
    at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS directory_events_directory_idx ON directory_events (directory_id, id);

-- A job whose package is larger than the directories it can use says by how many.
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS short_by integer;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dirbolt_app') THEN
        GRANT SELECT, INSERT, UPDATE ON directory_probes TO dirbolt_app;
        GRANT USAGE, SELECT ON SEQUENCE directory_probes_id_seq TO dirbolt_app;
        GRANT SELECT, INSERT ON directory_events TO dirbolt_app;
        REVOKE UPDATE, DELETE, TRUNCATE ON directory_events FROM dirbolt_app;
        GRANT USAGE, SELECT ON SEQUENCE directory_events_id_seq TO dirbolt_app;
    END IF;
END
$$;
