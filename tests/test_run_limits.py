"""Per-tier run limits and run priority, observed on the production `dagster.yaml` (PostgreSQL storage,
dirbolt's run coordinator, its tag limits) with a real code server, webserver and daemon.

More jobs of each tier than its limit are launched the way the asset page launches them (the partition
only: the run coordinator adds the tier tags), all queued before the daemon starts; each run holds its
slot ~15 s (a failpoint in its shard). From the runs' dequeue and end times: the most runs of each tier
at once, and the order they left the queue."""

from __future__ import annotations

import datetime as dt
import subprocess
import uuid

import dagster as dg
import httpx
import pytest
import yaml
from dagster._core.events import DagsterEventType

from dirbolt_core.db.migrations import apply_migrations
from dirbolt_core.db.store import Store
from dirbolt_core.reports.synthetic import SyntheticResult, seed_results, synthetic_job
from dirbolt_core.sample import SAMPLE_PROFILE
from dirbolt_core.services import free_port, wait_http
from dirbolt_core.settings import REPO_ROOT
from dirbolt_core.vocabulary import Priority, SubmissionStatus
from tests.conftest import _dsn_for, create_database, drop_database
from tests.dagster_harness import BIN, dagster_code_server, dagster_daemon, dagster_env, stop_process, wait_until

pytestmark = pytest.mark.slow

LAUNCH_RUN = """
mutation($params: ExecutionParams!) {
  launchRun(executionParams: $params) { __typename ... on PythonError { message } }
}"""
SELECTOR = {"repositoryLocationName": "dirbolt", "repositoryName": "__repository__", "jobName": "submit_job"}
NOW = dt.datetime.now(dt.UTC)


def _limits() -> tuple[int, dict[str, int]]:
    config = yaml.safe_load((REPO_ROOT / "dagster.yaml").read_text())["concurrency"]["runs"]
    return config["max_concurrent_runs"], {t["value"]: t["limit"] for t in config["tag_concurrency_limits"]
                                           if t["key"] == "dirbolt/priority"}


def _max_overlap(spans: list[tuple[float, float]]) -> int:
    return max((sum(1 for s, e in spans if s <= t < e) for t, _ in spans), default=0)


def test_per_tier_limits_and_priority_on_the_production_instance(tmp_path, sqs_server, sandbox_server):
    max_runs, tier_limits = _limits()
    db_name, dagster_db = create_database(), create_database("dirbolt_dg")
    dsn = _dsn_for(db_name)
    apply_migrations(dsn)
    store = Store(dsn)
    processes: list = []
    try:
        store.rollout.set(actor="test", routing_percent=100, legacy_comparison=False)
        jobs: dict[uuid.UUID, str] = {}
        # Cheapest tier first: the queue's creation order is the opposite of the priority order.
        for tier in ("starter", "growth", "professional", "enterprise"):
            for _ in range(tier_limits[tier] + 1):
                job_id = synthetic_job(store, SAMPLE_PROFILE.model_dump(mode="json"), package_size=1,
                                       priority=Priority(tier), customer_id="limits", queued_at=NOW)
                seed_results(store, job_id, [SyntheticResult("dir-1", SubmissionStatus.SUBMITTED, NOW)])
                jobs[job_id] = tier
        parts = dict(p.split("=", 1) for p in _dsn_for(dagster_db).split())
        env = dagster_env(
            home=tmp_path, database_url=dsn, sqs_url=sqs_server.url, queue_name=f"lim-{uuid.uuid4().hex[:6]}",
            dlq_name=f"lim-{uuid.uuid4().hex[:6]}-dlq", sandbox_url=sandbox_server.url,
            artifacts=tmp_path / "artifacts", instance_yaml=(REPO_ROOT / "dagster.yaml").read_text(),
            extra={"DAGSTER_PG_URL": f"postgresql+psycopg2://{parts.get('user', 'postgres')}@{parts['host']}:"
                                     f"{parts.get('port', '5432')}/{parts['dbname']}",
                   "DIRBOLT_FAILPOINTS": "submissions_start=sleep:15"})
        instance = dg.DagsterInstance.from_config(env["DAGSTER_HOME"])
        instance.add_dynamic_partitions("jobs", [str(j) for j in jobs])
        with dagster_code_server(env, tmp_path / "code-server.log") as workspace:
            port = free_port()
            log = open(tmp_path / "webserver.log", "ab")  # noqa: SIM115 - closed with the process
            web = subprocess.Popen([str(BIN / "dagster-webserver"), "-w", str(workspace), "-h", "127.0.0.1",
                                    "-p", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
            processes.append(web)
            wait_http(f"http://127.0.0.1:{port}/server_info", timeout_s=120, proc=web)
            for job_id in jobs:
                reply = httpx.post(f"http://127.0.0.1:{port}/graphql", timeout=60, json={
                    "query": LAUNCH_RUN, "variables": {"params": {"selector": SELECTOR, "executionMetadata": {
                        "tags": [{"key": "dagster/partition", "value": str(job_id)}]}}}}).json()
                assert reply["data"]["launchRun"]["__typename"] == "LaunchRunSuccess", reply
            queued = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.QUEUED]))
            assert len(queued) == len(jobs)
            with dagster_daemon(env, tmp_path / "daemon.log", workspace) as daemon:
                wait_until(lambda: all(r.is_finished for r in instance.get_runs()), timeout_s=1200, interval_s=2,
                           proc=daemon, log_path=tmp_path / "daemon.log")
        records = instance.get_run_records()
        assert len(records) == len(jobs)
        windows = []
        for record in records:
            run = record.dagster_run
            assert run.status == dg.DagsterRunStatus.SUCCESS, run.run_id
            [dequeued] = instance.all_logs(run.run_id, of_type=DagsterEventType.RUN_DEQUEUED)
            tier = run.tags["dirbolt/priority"]
            assert tier == jobs[uuid.UUID(run.tags["dagster/partition"])]  # tagged by the coordinator
            windows.append((dequeued.timestamp, record.end_time, tier))
        windows.sort()
        by_tier = {tier: _max_overlap([(s, e) for s, e, t in windows if t == tier]) for tier in tier_limits}
        overall = _max_overlap([(s, e) for s, e, _ in windows])
        order = [t for _, _, t in windows]
        print(f"max concurrent runs by tier {by_tier} (limits {tier_limits}), overall {overall} "
              f"(limit {max_runs}); dequeue order {order}")
        assert by_tier == tier_limits
        assert overall <= max_runs
        # Priority: the first wave is every enterprise run its limit allows, then professional ones,
        # though they were queued last; a starter leaves the queue only after every growth run could.
        first = order[:max_runs]
        assert sorted(first) == sorted(["enterprise"] * tier_limits["enterprise"]
                                       + ["professional"] * (max_runs - tier_limits["enterprise"]))
        assert order.index("starter") > order.index("growth")
    finally:
        for proc in processes:
            stop_process(proc)
        store.close()
        drop_database(db_name)
        drop_database(dagster_db)
