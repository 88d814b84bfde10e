"""Chaos: every run of a job dies (the process exits at once, like kill -9) three times.

Dagster's run monitoring notices the dead run worker, run retries start it again, and when
the retries are exhausted the run-failure sensor fails the job and dead-letters its message.

Run: .venv/bin/pytest tests/chaos -s
"""

from __future__ import annotations

import json
import uuid

import dagster as dg
import pytest
import yaml

from dirbolt_core.settings import REPO_ROOT
from dirbolt_core.vocabulary import Priority
from tests.dagster_harness import dagster_daemon, dagster_env, wait_until

pytestmark = pytest.mark.chaos


def test_a_job_whose_run_process_dies_three_times_ends_on_the_dlq(
        store, catalog, job_queue, sqs_server, sandbox_server, tmp_path, artifact_dir):
    store.directories.upsert([d for d in catalog if d.id == "sandbox-localpages"], vouch="sandbox sites")
    job_id = uuid.uuid4()
    from tests.runner_harness import business

    store.jobs.create(job_id=job_id, customer_id="chaos", package_size=1, priority=Priority.GROWTH,
                     business_data=business(900).model_dump(mode="json"))
    job_queue.send(json.dumps({"job_id": str(job_id), "customer_id": "chaos", "package_size": 1,
                               "priority": "growth"}))
    config = yaml.safe_load((REPO_ROOT / "dagster.dev.yaml").read_text())
    config["run_monitoring"]["poll_interval_seconds"] = 2
    env = dagster_env(home=tmp_path, database_url=store.dsn, sqs_url=sqs_server.url,
                      queue_name=job_queue.queue_name, dlq_name=job_queue.dlq_name,
                      sandbox_url=sandbox_server.url, artifacts=artifact_dir, instance_yaml=yaml.safe_dump(config),
                      extra={"DIRBOLT_FAILPOINTS": "submissions_start=exit"})
    log = tmp_path / "daemon.log"
    with dagster_daemon(env, log) as daemon:
        wait_until(lambda: store.jobs.row(job_id).status == "failed", timeout_s=600, interval_s=2,
                   proc=daemon, log_path=log)
    instance = dg.DagsterInstance.from_config(env["DAGSTER_HOME"])
    runs = instance.get_runs(filters=dg.RunsFilter(job_name="submit_job", tags={"dagster/partition": str(job_id)}))
    assert len(runs) == 3 and all(r.status == dg.DagsterRunStatus.FAILURE for r in runs)
    dead = [m for m in job_queue.drain_dlq() if str(job_id) in m.body]
    assert len(dead) == 1 and dead[0].attributes["reason"].startswith("run retries exhausted")
    story = [h.event for h in store.audit.history(job_id) if h.entity != "worker"]
    assert story.count("run_failed") == 2 and story[-2:] == ["job_failed", "dead_lettered"], story
    print(f"\nruns: {[(r.run_id[:8], r.tags.get('dagster/failure_reason')) for r in runs]}; story: {story}")
