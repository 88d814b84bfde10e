"""The whole path through a real Dagster instance: SQS → sensor → daemon → run → browser → PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import uuid

import dagster as dg
import pytest

from dirbolt_core.models import BusinessProfile
from dirbolt_core.sample import SAMPLE_PROFILE
from dirbolt_core.settings import REPO_ROOT
from dirbolt_core.vocabulary import Priority, SubmissionStatus
from tests.dagster_harness import BIN, dagster_daemon, dagster_env, wait_until

OTHER_BUSINESS = BusinessProfile(
    business_name="Harbor Lane Plumbing", website="https://harborlane.example", email="office@harborlane.example",
    phone="(206) 555-0199", address_line1="88 Harbor Lane", city="Seattle", state="WA", postal_code="98101",
    country="US", description="Licensed plumbers serving Seattle since 1998: repairs, water heaters, remodels.",
    category="Plumber", contact_name="Dan Okafor")


@pytest.fixture
def dagster_setup(store, catalog, job_queue, sqs_server, sandbox_server, tmp_path, artifact_dir):
    store.upsert_directories(catalog)
    env = dagster_env(home=tmp_path, database_url=store.dsn, sqs_url=sqs_server.url,
                      queue_name=job_queue.queue_name, dlq_name=job_queue.dlq_name,
                      sandbox_url=sandbox_server.url, artifacts=artifact_dir)
    return env


def _order(store, profile: BusinessProfile, priority: Priority, size: int) -> uuid.UUID:
    job_id = uuid.uuid4()
    store.create_job(job_id=job_id, customer_id="cust", package_size=size, priority=priority,
                     business_data=profile.model_dump(mode="json"))
    return job_id


def _message(job_id: uuid.UUID, priority: Priority, size: int) -> str:
    return json.dumps({"job_id": str(job_id), "customer_id": "cust", "package_size": size,
                       "priority": priority.value})


def _assert_exactly_once(store, sandbox, job_id: uuid.UUID, business_name: str) -> None:
    for result in store.results(job_id):
        site = result.directory_id.removeprefix("sandbox-")
        mine = [s for s in sandbox.accepted(site) if business_name in json.dumps(s["fields"], ensure_ascii=False)]
        expected = 1 if result.status.is_success else 0
        assert len(mine) == expected, (site, result.status, result.reason, mine)


@pytest.mark.slow
def test_sensor_runs_each_job_once_and_a_rerun_submits_nothing(store, sandbox, job_queue, dagster_setup,
                                                               tmp_path):
    env = dagster_setup
    job_a = _order(store, SAMPLE_PROFILE, Priority.ENTERPRISE, 4)
    job_b = _order(store, OTHER_BUSINESS, Priority.STARTER, 2)
    # At-least-once delivery: job A arrives three times, a poison message sits between.
    job_queue.send(_message(job_a, Priority.ENTERPRISE, 4))
    job_queue.send(_message(job_a, Priority.ENTERPRISE, 4))
    job_queue.send('{"job_id": "not-a-uuid", "priority": "gold"}')
    job_queue.send(_message(job_a, Priority.ENTERPRISE, 4))
    job_queue.send(_message(job_b, Priority.STARTER, 2))

    log = tmp_path / "daemon.log"
    with dagster_daemon(env, log) as daemon:
        wait_until(lambda: all(store.job(j).status.value == "completed" for j in (job_a, job_b)),
                   timeout_s=300, proc=daemon, log_path=log)

    instance = dg.DagsterInstance.from_config(env["DAGSTER_HOME"])
    for job_id in (job_a, job_b):
        runs = instance.get_runs(filters=dg.RunsFilter(tags={"dirbolt/job_id": str(job_id)}))
        assert len(runs) == 1, runs
        assert runs[0].status == dg.DagsterRunStatus.SUCCESS
    runs_a = instance.get_runs(filters=dg.RunsFilter(tags={"dirbolt/job_id": str(job_a)}))
    assert runs_a[0].tags["dirbolt/priority"] == "enterprise"
    assert instance.has_dynamic_partition("jobs", str(job_a))

    assert len(store.results(job_a)) == 4 and len(store.results(job_b)) == 2
    _assert_exactly_once(store, sandbox, job_a, SAMPLE_PROFILE.business_name)
    _assert_exactly_once(store, sandbox, job_b, OTHER_BUSINESS.business_name)
    assert all(r.status is not SubmissionStatus.PROCESSING for r in store.results(job_a))

    dead = job_queue.drain_dlq()
    assert len(dead) == 1 and "job_id" in dead[0].attributes["reason"]
    assert any(h["event"] == "dead_lettered" for h in store.history(entity="message"))

    # An operator reruns the finished job: a real run, nothing submitted again.
    accepted_before = len(sandbox.accepted())
    rows_before = {r.directory_id: (r.status, r.attempts) for r in store.results(job_a)}
    rerun = subprocess.run(
        [str(BIN / "dagster"), "asset", "materialize", "-m", "dirbolt_dagster.definitions", "--select",
         "job_plan,submissions", "--partition", str(job_a)],
        env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stdout[-2000:] + rerun.stderr[-2000:]
    assert len(sandbox.accepted()) == accepted_before
    assert {r.directory_id: (r.status, r.attempts) for r in store.results(job_a)} == rows_before


def test_definitions_validate_on_the_workspace(tmp_path):
    env = dagster_env(home=tmp_path, database_url="postgresql://unused", sqs_url="http://127.0.0.1:9",
                      queue_name="q", dlq_name="d", sandbox_url="http://127.0.0.1:9", artifacts=tmp_path)
    result = subprocess.run([str(BIN / "dagster"), "definitions", "validate", "-w", str(REPO_ROOT / "workspace.yaml")],
                            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation successful" in result.stdout + result.stderr
