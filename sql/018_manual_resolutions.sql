-- The manual work queue (issue 19): what a person did about a `needs_manual` row, recorded once.
-- The row itself moves to the resolved status (job_results.status, with the resolution in its
-- evidence); this table keeps who, when, why and what the row said before, one per row: the
-- unique key refuses a second resolution even if two people press at the same moment.
CREATE TABLE IF NOT EXISTS dirbolt_manual_resolutions (
    id               bigserial PRIMARY KEY,
    idempotency_key  text NOT NULL UNIQUE,
    job_id           uuid NOT NULL,
    directory_id     text NOT NULL,
    from_status      text NOT NULL,
    to_status        text NOT NULL CHECK (to_status IN ('submitted', 'approved', 'rejected', 'skipped')),
    reason_before    text,
    note             text,
    listing_url      text,
    resolved_by      text NOT NULL CHECK (length(btrim(resolved_by)) > 0),
    resolved_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS dirbolt_manual_resolutions_job_idx ON dirbolt_manual_resolutions (job_id);

-- The queue itself is read by status: rows waiting for a person, oldest first.
CREATE INDEX IF NOT EXISTS job_results_needs_manual_idx ON job_results (finished_at)
    WHERE status = 'needs_manual' AND idempotency_key IS NOT NULL;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dirbolt_app') THEN
        GRANT SELECT, INSERT ON dirbolt_manual_resolutions TO dirbolt_app;
        GRANT USAGE, SELECT ON SEQUENCE dirbolt_manual_resolutions_id_seq TO dirbolt_app;
    END IF;
END
$$;
