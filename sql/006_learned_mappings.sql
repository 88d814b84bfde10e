-- Learned form mappings: what the form brain decided for a form that then submitted
-- successfully, keyed by the form's signature. The next visit to a form with the same
-- signature reuses it (strategy "learned"); a directory whose form signature changed
-- (form drift) has its old mappings invalidated, never silently reused.
CREATE TABLE IF NOT EXISTS learned_mappings (
    id                  bigserial PRIMARY KEY,
    directory_id        text NOT NULL DEFAULT '',      -- '' when learned without a directory
    signature           text NOT NULL,
    form_url            text,
    -- [{identity, name, id, key, part, parts, format}, ...] one entry per control, in form order
    fields              jsonb NOT NULL,
    successes           integer NOT NULL DEFAULT 1,
    uses                integer NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    last_success_at     timestamptz NOT NULL DEFAULT now(),
    last_used_at        timestamptz,
    invalidated_at      timestamptz,
    invalidated_reason  text,
    CONSTRAINT learned_mappings_directory_signature_uq UNIQUE (directory_id, signature)
);

CREATE INDEX IF NOT EXISTS learned_mappings_signature_valid_idx
    ON learned_mappings (signature) WHERE invalidated_at IS NULL;
CREATE INDEX IF NOT EXISTS learned_mappings_directory_valid_idx
    ON learned_mappings (directory_id) WHERE invalidated_at IS NULL;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dirbolt_app') THEN
        GRANT SELECT, INSERT, UPDATE ON learned_mappings TO dirbolt_app;
        GRANT USAGE, SELECT ON SEQUENCE learned_mappings_id_seq TO dirbolt_app;
    END IF;
END
$$;
