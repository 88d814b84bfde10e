-- E-mail verification (issue 19): every confirmation mail the verifier dealt with, once.
-- A mail is claimed here (unique message id) before its link is opened, so two verifiers (a
-- sensor tick and a manual round) never open one link twice. The raw mail is kept in proof storage.
CREATE TABLE IF NOT EXISTS dirbolt_verification_mails (
    id               bigserial PRIMARY KEY,
    message_id       text NOT NULL UNIQUE,
    job_id           uuid,
    directory_id     text,
    idempotency_key  text,
    sender           text,
    subject          text,
    received_at      timestamptz,
    link             text,           -- the confirmation link chosen (opened or not)
    action           text NOT NULL CHECK (action IN ('opened', 'refused_link', 'no_link', 'unmatched')),
    outcome          text,           -- what the row became: submitted, approved, needs_manual
    detail           text,
    mail_uri         text,           -- the raw mail in proof storage
    page_uri         text,           -- the confirmation page's screenshot
    handled_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS dirbolt_verification_mails_job_idx ON dirbolt_verification_mails (job_id);

CREATE INDEX IF NOT EXISTS job_results_pending_verification_idx ON job_results (finished_at)
    WHERE status = 'pending_verification' AND idempotency_key IS NOT NULL;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dirbolt_app') THEN
        GRANT SELECT, INSERT, UPDATE ON dirbolt_verification_mails TO dirbolt_app;
        GRANT USAGE, SELECT ON SEQUENCE dirbolt_verification_mails_id_seq TO dirbolt_app;
    END IF;
END
$$;
