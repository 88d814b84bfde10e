"""Chaos: 20 jobs, every message delivered 3 times interleaved, through the real sensor and daemon.

Run: .venv/bin/pytest tests/chaos -s
"""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter

import dagster as dg
import pytest

from dirbolt_core.vocabulary import Priority
from tests.dagster_harness import dagster_daemon, dagster_env, wait_until
from tests.runner_harness import business

pytestmark = pytest.mark.chaos
SITES = ["localpages", "northonly"]


def test_three_deliveries_of_twenty_jobs_give_one_run_and_one_submission_each(
        store, catalog, job_queue, sqs_server, sandbox_server, sandbox, tmp_path, artifact_dir):
    store.directories.upsert([d for d in catalog if d.id.removeprefix("sandbox-") in SITES], vouch="sandbox sites")
    jobs = {}
    for i in range(20):
        job_id = uuid.uuid4()
        store.jobs.create(job_id=job_id, customer_id="chaos", package_size=2, priority=Priority.ENTERPRISE,
                         business_data=business(800 + i).model_dump(mode="json"))
        jobs[job_id] = business(800 + i)
    deliveries = [job_id for job_id in jobs for _ in range(3)]
    random.Random(7).shuffle(deliveries)
    for job_id in deliveries:
        job_queue.send(json.dumps({"job_id": str(job_id), "customer_id": "chaos", "package_size": 2,
                                   "priority": "enterprise"}))
    env = dagster_env(home=tmp_path, database_url=store.dsn, sqs_url=sqs_server.url,
                      queue_name=job_queue.queue_name, dlq_name=job_queue.dlq_name,
                      sandbox_url=sandbox_server.url, artifacts=artifact_dir)
    log = tmp_path / "daemon.log"
    with dagster_daemon(env, log) as daemon:
        wait_until(lambda: all(store.jobs.get(j).status.value == "completed" for j in jobs), timeout_s=1200,
                   interval_s=3, proc=daemon, log_path=log)
    instance = dg.DagsterInstance.from_config(env["DAGSTER_HOME"])
    runs = Counter(r.tags.get("dirbolt/job_id") for r in instance.get_runs())
    assert all(runs[str(j)] == 1 for j in jobs), runs
    accepted = sandbox.accepted()
    for job_id, profile in jobs.items():
        for site in SITES:
            mine = [s for s in accepted if s["site"] == site and profile.business_name in str(s["fields"])]
            expected = 1 if site == "localpages" else 0  # northonly refuses US businesses
            assert len(mine) == expected, (job_id, site, mine)
    history = store.audit.history(entity="message")
    print(f"\ndeliveries={len(deliveries)} accepted={sum(h.event == 'accepted' for h in history)} "
          f"duplicates={sum(h.event == 'duplicate_delivery' for h in history)} runs={sum(runs.values())}")

