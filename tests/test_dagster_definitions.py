"""The code location loads and validates as the webserver and daemon load it.

The whole path through a real daemon and webserver is in tests/test_dagster_ops.py."""

from __future__ import annotations

import subprocess

from dirbolt_core.settings import REPO_ROOT
from tests.dagster_harness import BIN, dagster_env


def test_definitions_validate_on_the_workspace(tmp_path):
    env = dagster_env(home=tmp_path, database_url="postgresql://unused", sqs_url="http://127.0.0.1:9",
                      queue_name="q", dlq_name="d", sandbox_url="http://127.0.0.1:9", artifacts=tmp_path)
    result = subprocess.run([str(BIN / "dagster"), "definitions", "validate", "-w", str(REPO_ROOT / "workspace.yaml")],
                            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation successful" in result.stdout + result.stderr


def test_the_production_instance_config_runs_on_postgresql(empty_database_url, tmp_path, monkeypatch):
    """dagster.yaml as deployed: PostgreSQL storage, queued runs with tier limits, retries, monitoring."""
    import shutil

    import dagster as dg

    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    import psycopg

    parts = psycopg.conninfo.conninfo_to_dict(empty_database_url)
    user, host, port = parts.get("user", "postgres"), parts.get("host", "127.0.0.1"), parts.get("port", 5432)
    monkeypatch.setenv("DAGSTER_PG_URL", f"postgresql://{user}@{host}:{port}/{parts['dbname']}")
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.run_coordinator).__name__ == "DirboltRunCoordinator"
        assert instance.run_retries_enabled and instance.run_retries_max_retries == 2
        assert instance.run_monitoring_enabled
        limits = {(t["key"], t.get("value")): t["limit"]
                  for t in instance.get_concurrency_config().run_queue_config.tag_concurrency_limits}
        assert limits[("dirbolt/priority", "starter")] < limits[("dirbolt/priority", "enterprise")]
        # The storage really is there: a run record round-trips through PostgreSQL.
        instance.add_dynamic_partitions("jobs", ["00000000-0000-4000-8000-000000000000"])
        assert instance.has_dynamic_partition("jobs", "00000000-0000-4000-8000-000000000000")
    finally:
        instance.dispose()


def test_a_run_process_loads_the_code_location_without_pandas_or_crewai(tmp_path):
    """Every run process imports the code location before its first step: what only the metric
    assets (pandas) or a configured LLM (CrewAI, seconds) need must not be imported there."""
    env = dagster_env(home=tmp_path, database_url="postgresql://unused", sqs_url="http://127.0.0.1:9",
                      queue_name="q", dlq_name="d", sandbox_url="http://127.0.0.1:9", artifacts=tmp_path)
    probe = ("import sys, json, dirbolt_dagster.definitions as d; d.defs.get_job_def('submit_job'); "
             "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'crewai', 'pyarrow'})))")
    result = subprocess.run([str(BIN / "python"), "-c", probe], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
