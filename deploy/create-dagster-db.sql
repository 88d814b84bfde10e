-- Dagster's own storage lives in a separate database on the same server.
CREATE DATABASE dagster OWNER dirbolt;
