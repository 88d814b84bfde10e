-- Who is waiting for a directory's slot, so that when slots are scarce the highest
-- priority waiter (enterprise first), then the longest waiting, gets it next.
CREATE TABLE IF NOT EXISTS directory_slot_waiters (
    directory_id  text NOT NULL,
    holder        text NOT NULL,
    priority      integer NOT NULL,
    since         timestamptz NOT NULL DEFAULT clock_timestamp(),
    polled_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (directory_id, holder)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON directory_slot_waiters TO dirbolt_app;
