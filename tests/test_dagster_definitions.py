"""The code location loads and validates as the webserver and daemon load it.

The whole path through a real daemon and webserver is in tests/test_dagster_ops.py."""

from __future__ import annotations

import json
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


_WARM_PROBE = """
import json, sys
if sys.argv[1] == "server":
    import dagster._grpc.server  # as in a code server, which imports it before the code location
import dirbolt_dagster.definitions
from dirbolt_dagster import warmstart
out = {"enabled": warmstart.enabled() if "dagster._grpc.server" in sys.modules else False}
if out["enabled"]:
    from dagster._grpc.server import DagsterApiServer
    ctx = DagsterApiServer.__dict__["_mp_ctx"].fget(None)  # what the server starts a run process with
    q = ctx.Queue()
    code = "import sys; q.put([m for m in ('dirbolt_dagster.definitions', 'playwright.async_api') if m in sys.modules])"
    p = ctx.Process(target=exec, args=(code, {"q": q}))
    p.start()
    out["method"], out["preloaded"] = ctx.get_start_method(), q.get(timeout=60)
    p.join(timeout=30)
    out["exitcode"] = p.exitcode
print(json.dumps(out))
"""


def test_a_code_server_forks_run_processes_from_a_preloaded_process(tmp_path):
    """Issue 20: a run process starts already imported (forked from a forkserver that imported the
    code location once), not spawned to import it all again; only in a code server, and
    DIRBOLT_RUN_FORKSERVER=0 keeps Dagster's spawn."""
    env = dagster_env(home=tmp_path, database_url="postgresql://unused", sqs_url="http://127.0.0.1:9",
                      queue_name="q", dlq_name="d", sandbox_url="http://127.0.0.1:9", artifacts=tmp_path)

    def probe(where: str, **extra: str) -> dict:
        result = subprocess.run([str(BIN / "python"), "-W", "ignore", "-c", _WARM_PROBE, where], cwd=REPO_ROOT,
                                env={**env, **extra}, capture_output=True, text=True, timeout=180)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout.strip().splitlines()[-1])

    assert probe("server") == {"enabled": True, "method": "forkserver", "exitcode": 0,
                               "preloaded": ["dirbolt_dagster.definitions", "playwright.async_api"]}
    assert probe("run") == {"enabled": False}  # a run process (or the daemon) leaves Dagster alone
    assert probe("server", DIRBOLT_RUN_FORKSERVER="0") == {"enabled": False}
