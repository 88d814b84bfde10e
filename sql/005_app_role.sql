-- The application's role: it reads and writes the working tables but can only
-- append to the audit trail. Deployments log in as (or SET ROLE to) dirbolt_app.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dirbolt_app') THEN
        CREATE ROLE dirbolt_app NOLOGIN;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO dirbolt_app;
GRANT SELECT, INSERT, UPDATE ON customers, jobs, job_results, worker_heartbeats,
    directories, directory_rate_limits TO dirbolt_app;
GRANT SELECT ON stale_workers TO dirbolt_app;
GRANT SELECT, INSERT ON queue_history TO dirbolt_app;
REVOKE UPDATE, DELETE, TRUNCATE ON queue_history FROM dirbolt_app;
GRANT USAGE, SELECT ON SEQUENCE queue_history_id_seq TO dirbolt_app;
