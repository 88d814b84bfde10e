"""A job's submissions as shards (steps), in-process and across two Celery worker hosts.

Real parts: PostgreSQL (system of record and Dagster storage), the sandbox over HTTP, Chromium,
RabbitMQ on 127.0.0.1:5672 for the Celery test.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid

import dagster as dg
import psycopg
import pytest
from dagster._core.execution.stats import StepEventStatus

from dirbolt_core.settings import get_settings
from dirbolt_core.vocabulary import JobStatus, Priority
from dirbolt_dagster.resources import ArtifactStoreResource, BrainResource, BrowserResource, StoreResource
from dirbolt_dagster.submissions.assets import job_plan, submissions
from tests.runner_harness import business, order

# Fast sites that accept a first post (benchmarks/_bench.py SITES).
SITES = ["localpages", "citylisted", "bizspot", "branchenbuch", "annuairepro"]


def _accepted_once(sandbox, name: str, sites: list[str]) -> dict[str, int]:
    return {site: sum(1 for s in sandbox.accepted(site) if name in json.dumps(s["fields"], ensure_ascii=False))
            for site in sites}


@pytest.fixture
def shard_size(monkeypatch):
    def set_size(n: int) -> None:
        monkeypatch.setenv("DIRBOLT_SHARD_SIZE", str(n))
        get_settings.cache_clear()

    yield set_size
    get_settings.cache_clear()


def test_a_job_runs_as_shards_each_a_step_and_the_checks_wait_for_all(store, catalog, sandbox, artifact_dir,
                                                                       database_url, shard_size):
    store.directories.upsert([d for d in catalog if d.id.removeprefix("sandbox-") in SITES], vouch="sandbox sites")
    profile = business(2101)
    job_id = order(store, profile, priority=Priority.ENTERPRISE, size=len(SITES))
    shard_size(2)  # 5 directories: shards of 2, 2 and 1
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("jobs", [str(job_id)])
    resources = {"store": StoreResource(database_url=database_url), "browser": BrowserResource(),
                 "brain": BrainResource(),
                 "artifacts": ArtifactStoreResource(uri=str(artifact_dir))}
    result = dg.materialize([job_plan, submissions], partition_key=str(job_id), instance=instance,
                            resources=resources)
    assert result.success
    steps = {s.step_key: s.status for s in instance.get_run_step_stats(result.run_id)}
    assert {k for k in steps if "submit_shard" in k} == {
        "submissions.submit_shard[1_of_3]", "submissions.submit_shard[2_of_3]", "submissions.submit_shard[3_of_3]"}
    assert set(steps.values()) == {StepEventStatus.SUCCESS}
    # The checks ran once, after every shard, over all five results.
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()
              if c.asset_key == dg.AssetKey("submissions")}
    assert set(checks) == {"success_rate_above_90", "p95_latency_under_5_min", "zero_duplicate_submissions"}
    assert checks["success_rate_above_90"].metadata["counted"].value == len(SITES)
    assert checks["zero_duplicate_submissions"].passed
    [mat] = result.asset_materializations_for_node("submissions")
    assert mat.metadata["directories"].value == len(SITES)
    assert store.jobs.get(job_id).status is JobStatus.COMPLETED
    assert _accepted_once(sandbox, profile.business_name, SITES) == dict.fromkeys(SITES, 1)
    # Each shard's worker claimed its own slice: three owners, one claim per directory.
    claims = [h for h in store.audit.history(job_id) if h.entity == "submission" and h.event == "claimed"]
    assert len(claims) == len(SITES) and len({h.actor for h in claims}) == 3

    # A rerun of the finished job (other shard size on this host) submits nothing again.
    shard_size(100)
    rerun = dg.materialize([job_plan, submissions], partition_key=str(job_id), instance=instance,
                           resources=resources)
    assert rerun.success
    assert _accepted_once(sandbox, profile.business_name, SITES) == dict.fromkeys(SITES, 1)


# ------------------------------------------------------------------------------ two Celery hosts
CELERY_SITES = [*SITES, "guiaempresas"]  # 6 directories: 2 shards of 3


def _rows_held_by(dsn: str, job_id: uuid.UUID, pids: set[int]) -> list[str]:
    """Rows in flight (claimed, submit not pressed) whose owner is one of these processes."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT directory_id, claim_owner FROM job_results WHERE job_id = %s "
                            "AND status = 'processing' AND submit_started_at IS NULL", (job_id,)).fetchall()
    # Owner ids end in -<pid>-<hex> (heartbeat.new_worker_id).
    return [d for d, owner in rows if owner and int(owner.rsplit("-", 2)[-2]) in pids]


def _celery_hosts_by_step(instance: dg.DagsterInstance, run_id: str) -> dict[str, list[str]]:
    """Which worker host took each step, in order (the engine events each worker writes)."""
    hosts: dict[str, list[str]] = {}
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
        event = entry.dagster_event
        worker = event.engine_event_data.metadata.get("Celery worker") if event and event.step_key else None
        if worker is not None:  # "Executing steps ... in celery worker", written by the worker itself
            hosts.setdefault(event.step_key, []).append(worker.value.split("@")[0])
    return hosts


@pytest.mark.slow
def test_one_job_over_two_celery_hosts_and_a_killed_hosts_shard_is_finished_by_the_other(
        store, catalog, sandbox, sqs_server, tmp_path):
    from dirbolt_core.artifacts import S3ArtifactStore
    from tests.celery_harness import celery_worker, postgres_instance_yaml, rabbitmq_broker, wait_for
    from tests.conftest import _dsn_for, create_database, drop_database
    from tests.dagster_harness import BIN, stop_process

    store.directories.upsert([d for d in catalog if d.id.removeprefix("sandbox-") in CELERY_SITES],
                            vouch="sandbox sites")
    profile = business(2102)
    job_id = order(store, profile, priority=Priority.ENTERPRISE, size=len(CELERY_SITES))
    # Proof storage every host reaches (S3 API, moto's server).
    S3ArtifactStore("dirbolt-scale-out", "proof", endpoint_url=sqs_server.url, create_bucket=True)
    dagster_db = create_database("dagster_t")
    instance_yaml = postgres_instance_yaml(_dsn_for(dagster_db))
    with rabbitmq_broker() as broker:
        env = {**os.environ, "DIRBOLT_DATABASE_URL": store.dsn, "DIRBOLT_STEP_EXECUTOR": "celery",
               "DIRBOLT_CELERY_BROKER_URL": broker, "DIRBOLT_SHARD_SIZE": "3",
               "DIRBOLT_ARTIFACTS_URI": "s3://dirbolt-scale-out/proof", "DIRBOLT_S3_ENDPOINT_URL": sqs_server.url}
        try:
            # Host A stalls right before pressing submit: it dies with its shard claimed, nothing sent.
            with (celery_worker("host-a", home=tmp_path / "host-a", instance_yaml=instance_yaml,
                                env={**env, "DIRBOLT_FAILPOINTS": "before_submit=sleep:600"}) as host_a,
                  celery_worker("host-b", home=tmp_path / "host-b", instance_yaml=instance_yaml, env=env)):
                run_home = tmp_path / "run" / "dagster_home"
                run_home.mkdir(parents=True)
                (run_home / "dagster.yaml").write_text(instance_yaml)
                with dg.DagsterInstance.from_config(str(run_home)) as instance:  # as the SQS sensor does
                    instance.add_dynamic_partitions("jobs", [str(job_id)])
                run_log = tmp_path / "run.log"
                with open(run_log, "ab") as log:
                    run = subprocess.Popen(
                        [str(BIN / "dagster"), "job", "execute", "-m", "dirbolt_dagster.definitions", "-j",
                         "submit_job", "--tags", json.dumps({"dagster/partition": str(job_id)})],
                        env={**env, "DAGSTER_HOME": str(run_home)}, stdout=log, stderr=subprocess.STDOUT)
                try:
                    def host_a_holds_its_shard() -> bool:
                        assert run.poll() is None, run_log.read_text()[-4000:]
                        return len(_rows_held_by(store.dsn, job_id, host_a.pids())) == 3

                    wait_for(host_a_holds_its_shard, timeout_s=300, what="host A holding its shard's three rows")
                    killed_rows = set(_rows_held_by(store.dsn, job_id, host_a.pids()))
                    host_a.kill()
                    assert run.wait(timeout=420) == 0, run_log.read_text()[-4000:]
                finally:
                    if run.poll() is None:
                        stop_process(run)
            instance = dg.DagsterInstance.from_config(str(run_home))
            try:
                [dagster_run] = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/partition": str(job_id)}))
                assert dagster_run.status == dg.DagsterRunStatus.SUCCESS
                steps = {s.step_key: s.status for s in instance.get_run_step_stats(dagster_run.run_id)}
                shard_steps = {"submissions.submit_shard[1_of_2]", "submissions.submit_shard[2_of_2]"}
                assert shard_steps <= set(steps) and all(steps[k] == StepEventStatus.SUCCESS for k in shard_steps)
                hosts = _celery_hosts_by_step(instance, dagster_run.run_id)
            finally:
                instance.dispose()
        finally:
            drop_database(dagster_db)

    # The killed host's shard: taken by host A, then (redelivered by RabbitMQ) finished by host B.
    [killed_step] = [k for k in shard_steps if hosts[k][0] == "host-a"]
    assert hosts[killed_step] == ["host-a", "host-b"], hosts
    [other_step] = shard_steps - {killed_step}
    assert hosts[other_step] == ["host-b"], hosts
    # Every directory submitted once (the sandbox's record); the killed host's rows were reclaimed.
    assert _accepted_once(sandbox, profile.business_name, CELERY_SITES) == dict.fromkeys(CELERY_SITES, 1)
    results = store.submissions.results(job_id)
    assert len(results) == len(CELERY_SITES) and all(r.status.is_success for r in results), results
    assert store.jobs.get(job_id).status is JobStatus.COMPLETED
    claims = [(h.directory_id, h.actor) for h in store.audit.history(job_id)
              if h.entity == "submission" and h.event == "claimed"]
    reclaimed = {d for d, _ in claims if sum(1 for dd, _ in claims if dd == d) == 2}
    assert reclaimed == killed_rows and len(claims) == len(CELERY_SITES) + len(killed_rows), claims
