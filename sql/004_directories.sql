CREATE TABLE IF NOT EXISTS directories (
    id                text PRIMARY KEY,
    name              text NOT NULL,
    url               text NOT NULL,
    submission_url    text NOT NULL,
    category          text NOT NULL DEFAULT 'general',
    tier              integer NOT NULL DEFAULT 3,
    domain_authority  integer NOT NULL DEFAULT 0,
    priority          integer NOT NULL DEFAULT 0,
    rate_limit_ms     integer NOT NULL DEFAULT 1000,
    requires_login    boolean NOT NULL DEFAULT false,
    has_captcha       boolean NOT NULL DEFAULT false,
    is_active         boolean NOT NULL DEFAULT true,
    selectors         jsonb NOT NULL DEFAULT '{}'::jsonb,
    submit_selector   text,
    notes             text,
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Shared per-directory pacing. A submission holds the directory's slot (a lease,
-- so a dead holder frees it) from opening the page to the final submit; the next
-- may start rate_limit_ms after the release. Any number of workers, one pace.
CREATE TABLE IF NOT EXISTS directory_rate_limits (
    directory_id  text PRIMARY KEY,
    next_slot_at  timestamptz NOT NULL DEFAULT 'epoch',
    holder        text,
    held_until    timestamptz
);
