"""Operator flows against a real Dagster webserver, daemon and code server (GraphQL API, UI, queue limits, DLQ)."""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

import dagster as dg
import httpx
import psycopg
import pytest
import yaml

from dirbolt_core.catalog import load_catalog
from dirbolt_core.db.migrations import apply_migrations
from dirbolt_core.db.store import Store
from dirbolt_core.queue.sqs import JobQueue
from dirbolt_core.services import free_port, wait_http
from dirbolt_core.settings import REPO_ROOT, SANDBOX_CATALOG
from dirbolt_core.vocabulary import JobStatus, Priority, SubmissionStatus
from tests.conftest import ARTIFACT_DIR, SandboxAdmin, _dsn_for, create_database, drop_database
from tests.dagster_harness import BIN, dagster_code_server, dagster_daemon, dagster_env, stop_process, wait_until
from tests.runner_harness import business
from tests.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.slow
SITES = ["localpages", "citylisted", "bizspot", "northonly", "verifiedfinder"]


def _instance_yaml() -> str:
    config = yaml.safe_load((REPO_ROOT / "dagster.dev.yaml").read_text())
    config["concurrency"]["runs"]["max_concurrent_runs"] = 2
    config["concurrency"]["runs"]["tag_concurrency_limits"] = []
    config["run_retries"] = {"enabled": True, "max_retries": 2}
    config["run_monitoring"]["poll_interval_seconds"] = 2
    return yaml.safe_dump(config)


class Stack:
    """Webserver + daemon + every part they talk to, for one module."""

    def __init__(self, tmp: Path, sqs_url: str, sandbox_url: str, webhook: WebhookReceiver):
        self.db_name = create_database()
        self.dsn = _dsn_for(self.db_name)
        apply_migrations(self.dsn)
        self.store = Store(self.dsn)
        catalog = load_catalog(SANDBOX_CATALOG, sandbox_url=sandbox_url)
        self.store.directories.upsert([d for d in catalog if d.id.removeprefix("sandbox-") in SITES],
                                      vouch="sandbox sites")
        suffix = uuid.uuid4().hex[:8]
        self.queue = JobQueue(endpoint_url=sqs_url, queue_name=f"ops-{suffix}", dlq_name=f"ops-{suffix}-dlq")
        self.queue.ensure()
        self.tmp = tmp
        self.port = free_port()
        self.env = dagster_env(
            home=tmp, database_url=self.dsn, sqs_url=sqs_url, queue_name=self.queue.queue_name,
            dlq_name=self.queue.dlq_name, sandbox_url=sandbox_url, artifacts=tmp / "artifacts",
            instance_yaml=_instance_yaml(),
            extra={"DIRBOLT_ALERT_WEBHOOK_URL": webhook.url, "DIRBOLT_HEALTH_INTERVAL_S": "2",
                   "DIRBOLT_ALERT_DLQ_DEPTH": "0"})
        self.webserver: subprocess.Popen | None = None
        self._daemon_cm = None
        self.daemon: subprocess.Popen | None = None
        self._code_server_cm = None
        self._workspace: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def instance(self) -> dg.DagsterInstance:
        return dg.DagsterInstance.from_config(self.env["DAGSTER_HOME"])

    def workspace(self) -> Path:
        """docker-compose's topology: one code server; the webserver and the daemon load the code
        location from it over gRPC, and it starts the runs."""
        if self._workspace is None:
            self._code_server_cm = dagster_code_server(self.env, self.tmp / "code-server.log")
            self._workspace = self._code_server_cm.__enter__()
        return self._workspace

    def start_webserver(self) -> None:
        log = open(self.tmp / "webserver.log", "ab")  # noqa: SIM115 - lives as long as the process
        self.webserver = subprocess.Popen(
            [str(BIN / "dagster-webserver"), "-w", str(self.workspace()), "-h", "127.0.0.1",
             "-p", str(self.port)], env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
        wait_http(f"{self.url}/server_info", timeout_s=120, proc=self.webserver)

    def start_daemon(self) -> None:
        if self.daemon is None:
            self._daemon_cm = dagster_daemon(self.env, self.tmp / "daemon.log", self.workspace())
            self.daemon = self._daemon_cm.__enter__()

    def stop_daemon(self) -> None:
        """The next test that needs a quiet instance (queued runs not dequeued yet) gets one."""
        if self._daemon_cm is not None:
            self._daemon_cm.__exit__(None, None, None)
        self._daemon_cm, self.daemon = None, None

    def stop(self) -> None:
        if self._daemon_cm is not None:
            self._daemon_cm.__exit__(None, None, None)
        if self.webserver is not None:
            stop_process(self.webserver)
        if self._code_server_cm is not None:
            self._code_server_cm.__exit__(None, None, None)
        self.store.close()
        drop_database(self.db_name)

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        response = httpx.post(f"{self.url}/graphql", json={"query": query, "variables": variables or {}},
                              timeout=60)
        assert response.status_code == 200, response.text[:3000]
        body = response.json()
        assert "errors" not in body, body
        return body["data"]

    def order(self, n: int, priority: Priority = Priority.ENTERPRISE, size: int = 1, queued: bool = False
              ) -> uuid.UUID:
        job_id = uuid.uuid4()
        self.store.jobs.create(job_id=job_id, customer_id="ops", package_size=size, priority=priority,
                              business_data=business(n).model_dump(mode="json"))
        if not queued:
            self.instance.add_dynamic_partitions("jobs", [str(job_id)])
        return job_id

    def message(self, job_id: uuid.UUID, priority: Priority, size: int) -> None:
        self.queue.send({"job_id": str(job_id), "customer_id": "ops", "package_size": size,
                         "priority": priority.value})

    def wait(self, predicate, timeout_s: float = 240) -> None:
        wait_until(predicate, timeout_s=timeout_s, proc=self.daemon, log_path=self.tmp / "daemon.log")

    def runs_for(self, job_id: uuid.UUID) -> list[dg.DagsterRun]:
        return list(self.instance.get_runs(filters=dg.RunsFilter(job_name="submit_job",
                                                                 tags={"dagster/partition": str(job_id)})))


LAUNCH_RUN = """
mutation($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
  }
}"""
LAUNCH_BACKFILL = """
mutation($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
  }
}"""
REEXECUTE = """
mutation($params: ReexecutionParams!) {
  launchRunReexecution(reexecutionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
  }
}"""
STEP_STATS = """
query($runId: ID!) {
  runOrError(runId: $runId) { ... on Run { stepStats { stepKey status } } }
}"""
SENSOR_DRY_RUN = """
mutation($selector: SensorSelector!, $cursor: String) {
  sensorDryRun(selectorData: $selector, cursor: $cursor) {
    __typename
    ... on DryRunInstigationTick { evaluationResult { skipReason runRequests { runKey } error { message } } }
    ... on PythonError { message }
  }
}"""
TERMINATE = """
mutation($runId: String!) {
  terminateRun(runId: $runId) {
    __typename
    ... on PythonError { message }
  }
}"""
SELECTOR = {"repositoryLocationName": "dirbolt", "repositoryName": "__repository__", "jobName": "submit_job"}


@pytest.fixture(scope="module")
def webhook():
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def stack(tmp_path_factory, sqs_server, sandbox_server, webhook):
    s = Stack(tmp_path_factory.mktemp("ops"), sqs_server.url, sandbox_server.url, webhook)
    try:
        s.start_webserver()
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="module")
def admin(sandbox_server):
    return SandboxAdmin(sandbox_server.url)


def test_sensor_preview_through_graphql_takes_no_message(stack):
    """The UI's "Preview tick result" (GraphQL sensorDryRun) before any daemon runs: it says what a tick
    would do and takes nothing (before, it ran the intake: messages deleted, jobs queued unrecorded)."""
    job_id = stack.order(50, queued=True, size=1)
    stack.message(job_id, Priority.GROWTH, 1)
    data = stack.graphql(SENSOR_DRY_RUN, {"selector": {**{k: SELECTOR[k] for k in SELECTOR if k != "jobName"},
                                                       "sensorName": "sqs_jobs_sensor"}, "cursor": None})
    tick = data["sensorDryRun"]
    assert tick["__typename"] == "DryRunInstigationTick", tick
    result = tick["evaluationResult"]
    assert result["error"] is None and result["runRequests"] == []
    assert "preview only" in result["skipReason"] and "1 message(s) waiting" in result["skipReason"]
    assert stack.store.jobs.get(job_id).status is JobStatus.ORDERED
    assert [h.event for h in stack.store.audit.history(job_id)] == ["created", "routed"]
    [message] = stack.queue.receive(max_messages=10, wait_s=1)
    assert str(job_id) in message.body  # still there: the daemon's tick takes it
    stack.queue.client.change_message_visibility(QueueUrl=stack.queue.queue_url,
                                                 ReceiptHandle=message.receipt_handle, VisibilityTimeout=0)
    stack.start_daemon()
    stack.wait(lambda: store_done(stack, job_id))
    [run] = stack.runs_for(job_id)
    assert run.tags["dirbolt/priority"] == "growth" and run.tags["dirbolt/customer_id"] == "ops"
    stack.stop_daemon()  # the queue-limit test launches its runs before any daemon dequeues them


def _assert_job_tags(run: dg.DagsterRun, job_id: uuid.UUID, tier: str) -> None:
    """The tags every launch path carries (derived from the partition by the run coordinator)."""
    assert run.tags["dirbolt/job_id"] == str(job_id), run.tags
    assert run.tags["dirbolt/priority"] == tier and run.tags["dirbolt/tier"] == tier, run.tags
    assert run.tags["dagster/priority"] == str(Priority(tier).rank * 10), run.tags
    assert run.tags["dirbolt/customer_id"] == "ops" and run.tags["dirbolt/business_name"], run.tags


def test_queue_limit_of_two_and_enterprise_dequeued_before_starter(stack):
    jobs = [(stack.order(100 + i, p), p) for i, p in enumerate([Priority.STARTER] * 3 + [Priority.ENTERPRISE] * 3)]
    for job_id, priority in jobs:
        tags = [{"key": "dagster/partition", "value": str(job_id)},
                {"key": "dagster/priority", "value": str(priority.rank * 10)},
                {"key": "dirbolt/priority", "value": priority.value}]
        data = stack.graphql(LAUNCH_RUN, {"params": {"selector": SELECTOR,
                                                     "executionMetadata": {"tags": tags}}})
        assert data["launchRun"]["__typename"] == "LaunchRunSuccess", data
    queued = stack.instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.QUEUED]))
    assert len(queued) == 6
    stack.start_daemon()
    stack.wait(lambda: all(r.is_finished for j, _ in jobs for r in stack.runs_for(j)), timeout_s=400)
    records = stack.instance.get_run_records(filters=dg.RunsFilter(tags={"dagster/priority": ["10", "40"]}))
    assert len(records) == 6 and all(r.dagster_run.status == dg.DagsterRunStatus.SUCCESS for r in records)
    spans = sorted((r.start_time, r.end_time, r.dagster_run.tags["dirbolt/priority"]) for r in records)
    assert [p for _, _, p in spans[:3]] == ["enterprise"] * 3, spans
    overlap = max(sum(1 for s, e, _ in spans if s <= t < e) for t, _, _ in spans)
    assert overlap <= 2, spans


def store_done(stack: Stack, job_id: uuid.UUID) -> bool:
    job = stack.store.jobs.get(job_id)
    return job is not None and job.status in (JobStatus.COMPLETED, JobStatus.FAILED)


def test_sensor_runs_each_job_once_and_a_rerun_submits_nothing(stack, admin):
    """SQS → sensor → daemon → run → browser → PostgreSQL, under at-least-once delivery."""
    stack.start_daemon()
    job_a = stack.order(200, queued=True, size=3)
    job_b = stack.order(201, queued=True, size=1)
    # Job A arrives three times, a poison message sits between the copies.
    stack.message(job_a, Priority.GROWTH, 3)
    stack.message(job_a, Priority.GROWTH, 3)
    stack.queue.send('{"job_id": "not-a-uuid", "priority": "gold"}')
    stack.message(job_a, Priority.GROWTH, 3)
    stack.message(job_b, Priority.STARTER, 1)
    jobs = [job_a, job_b]
    stack.wait(lambda: all(stack.runs_for(j) for j in jobs)
               and all(r.is_finished for j in jobs for r in stack.runs_for(j)))
    for job_id, size in ((job_a, 3), (job_b, 1)):
        [run] = stack.runs_for(job_id)  # one run per job, however many deliveries
        assert run.status == dg.DagsterRunStatus.SUCCESS
        # The UI's view of the run: the job's shard is a step of its own.
        steps = {s["stepKey"]: s["status"]
                 for s in stack.graphql(STEP_STATS, {"runId": run.run_id})["runOrError"]["stepStats"]}
        assert steps["submissions.submit_shard[1_of_1]"] == "SUCCESS", steps
        assert steps["submissions.finish_submissions"] == "SUCCESS", steps
        assert stack.instance.has_dynamic_partition("jobs", str(job_id))
        mat = stack.instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey("submissions"), asset_partitions=[str(job_id)]),
            limit=1).records[0].asset_materialization
        assert mat.metadata["directories"].value == size
        assert "| directory | status |" in mat.metadata["outcomes"].value
        assert "screenshot" in mat.metadata["outcomes"].value
        _assert_exactly_once(stack, admin, job_id)
    assert stack.runs_for(job_a)[0].tags["dirbolt/priority"] == "growth"
    checks = stack.instance.event_log_storage.get_latest_asset_check_execution_by_key(
        [dg.AssetCheckKey(dg.AssetKey("submissions"), "zero_duplicate_submissions")])
    assert checks
    dead = [m for m in stack.queue.drain_dlq() if "not-a-uuid" in m.body]
    assert len(dead) == 1 and "job_id" in dead[0].attributes["reason"]
    assert any(h.event == "dead_lettered" and "job_id" in h.detail["reason"]
               for h in stack.store.audit.history(entity="message"))

    # An operator reruns the finished job from the command line: a real run, nothing submitted again.
    accepted_before = len(admin.accepted())
    rows_before = {r.directory_id: (r.status, r.attempts) for r in stack.store.submissions.results(job_a)}
    rerun = subprocess.run(
        [str(BIN / "dagster"), "asset", "materialize", "-m", "dirbolt_dagster.definitions", "--select",
         "job_plan,submissions", "--partition", str(job_a)],
        env=stack.env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stdout[-2000:] + rerun.stderr[-2000:]
    assert len(admin.accepted()) == accepted_before
    assert {r.directory_id: (r.status, r.attempts) for r in stack.store.submissions.results(job_a)} == rows_before


def _assert_exactly_once(stack: Stack, admin: SandboxAdmin, job_id: uuid.UUID) -> None:
    name = stack.store.jobs.get(job_id).profile.business_name
    for result in stack.store.submissions.results(job_id):
        site = result.directory_id.removeprefix("sandbox-")
        mine = [s for s in admin.accepted(site) if name in json.dumps(s["fields"], ensure_ascii=False)]
        assert len(mine) == (1 if result.status.is_success else 0), (site, result.status, result.reason)


def test_backfill_of_three_partitions_through_graphql(stack, admin):
    stack.start_daemon()
    jobs = [stack.order(300 + i) for i in range(3)]
    # A job backfill, as the UI launches it from submit_job's partitions: one run per partition.
    data = stack.graphql(LAUNCH_BACKFILL, {"params": {
        "selector": {"partitionSetName": "submit_job_partition_set",
                     "repositorySelector": {"repositoryLocationName": "dirbolt",
                                            "repositoryName": "__repository__"}},
        "partitionNames": [str(j) for j in jobs],
        "title": "ops test backfill"}})
    assert data["launchPartitionBackfill"]["__typename"] == "LaunchBackfillSuccess", data
    stack.wait(lambda: all(store_done(stack, j) for j in jobs))
    for job_id in jobs:
        assert stack.store.jobs.get(job_id).status is JobStatus.COMPLETED
        [run] = stack.runs_for(job_id)
        _assert_job_tags(run, job_id, "enterprise")
        [result] = stack.store.submissions.results(job_id)
        assert result.status is not SubmissionStatus.PENDING


def test_rerun_of_a_job_with_failures_submits_only_what_is_left(stack, admin):
    stack.start_daemon()
    admin.configure("citylisted", always_fail=True)
    try:
        job_id = stack.order(400, size=3)
        data = stack.graphql(LAUNCH_RUN, {"params": {"selector": SELECTOR, "executionMetadata": {
            "tags": [{"key": "dagster/partition", "value": str(job_id)}]}}})
        parent = data["launchRun"]["run"]["runId"]
        stack.wait(lambda: store_done(stack, job_id))
    finally:
        admin.configure("citylisted", always_fail=False)
    before = {r.directory_id: r for r in stack.store.submissions.results(job_id)}
    assert before["sandbox-citylisted"].status is SubmissionStatus.FAILED
    name = business(400).business_name
    accepted_before = [s for s in admin.accepted() if name in json.dumps(s["fields"], ensure_ascii=False)]

    data = stack.graphql(REEXECUTE, {"params": {"parentRunId": parent, "strategy": "ALL_STEPS"}})
    assert data["launchRunReexecution"]["__typename"] == "LaunchRunSuccess", data
    rerun_id = data["launchRunReexecution"]["run"]["runId"]
    stack.wait(lambda: stack.instance.get_run_by_id(rerun_id).is_finished)
    # Materialize from the asset page (a launch with the partition only) and its re-execution: both tagged.
    _assert_job_tags(stack.instance.get_run_by_id(parent), job_id, "enterprise")
    _assert_job_tags(stack.instance.get_run_by_id(rerun_id), job_id, "enterprise")
    after = {r.directory_id: r for r in stack.store.submissions.results(job_id)}
    assert after["sandbox-citylisted"].status is SubmissionStatus.SUBMITTED
    for directory_id, result in before.items():
        if directory_id != "sandbox-citylisted":
            assert after[directory_id].attempts == result.attempts  # untouched by the rerun
    accepted_after = [s for s in admin.accepted() if name in json.dumps(s["fields"], ensure_ascii=False)]
    assert len(accepted_after) == len(accepted_before) + 1
    assert accepted_after[-1]["site"] == "citylisted"


def test_a_terminated_run_cancels_its_job_and_dirbolt_rerun_finishes_it(stack, admin):
    stack.start_daemon()
    job_id = stack.order(450, queued=True, size=3)
    stack.message(job_id, Priority.GROWTH, 3)
    stack.wait(lambda: any(r.status == dg.DagsterRunStatus.STARTED for r in stack.runs_for(job_id)))
    [run] = stack.runs_for(job_id)
    # The UI's "Terminate".
    assert stack.graphql(TERMINATE, {"runId": run.run_id})["terminateRun"]["__typename"] == "TerminateRunSuccess"
    stack.wait(lambda: stack.store.jobs.get(job_id).status is JobStatus.CANCELLED, timeout_s=120)
    assert run.run_id in stack.store.jobs.get(job_id).error
    assert "job_cancelled" in [h.event for h in stack.store.audit.history(job_id)]
    done = subprocess.run([str(BIN / "dirbolt"), "rerun", str(job_id)], env=stack.env, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    stack.wait(lambda: store_done(stack, job_id))
    assert stack.store.jobs.get(job_id).status is JobStatus.COMPLETED
    runs = stack.runs_for(job_id)
    assert sorted(r.tags.get("dagster/run_key") for r in runs) == [str(job_id), f"{job_id}#1"]
    # Only what the cancelled run left was submitted: each directory accepted once by the sandbox.
    _assert_exactly_once(stack, admin, job_id)


def test_a_job_whose_runs_keep_failing_ends_on_the_dlq(stack):
    stack.start_daemon()
    job_id = stack.order(500, queued=True)
    # A queued job whose data went bad in the system of record (a buggy writer): the sensor
    # requests its run, and every run of it fails.
    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        conn.execute("""UPDATE jobs SET dirbolt_status = 'queued', queued_at = now(), source = 'dirbolt',
                            business_data = '{"business_name": ""}' WHERE id = %s""", (job_id,))
    stack.wait(lambda: stack.store.jobs.row(job_id).status == "failed", timeout_s=400)
    runs = stack.runs_for(job_id)
    failed = [r for r in runs if r.status == dg.DagsterRunStatus.FAILURE]
    assert len(failed) == 3, [(r.run_id, r.status, r.tags.get("dagster/retry_number")) for r in runs]
    dlq = [m for m in stack.queue.drain_dlq() if str(job_id) in m.body]
    assert len(dlq) == 1 and dlq[0].attributes["reason"].startswith("run retries exhausted")
    story = [h.event for h in stack.store.audit.history(job_id) if h.entity != "worker"]
    assert story[0] == "created" and story.count("job_running") >= 1
    assert story.count("run_failed") == 2, story  # the two runs Dagster retried
    assert story[-2:] == ["job_failed", "dead_lettered"], story
    assert "business_name" in stack.store.jobs.row(job_id).error_message
    assert stack.store.jobs.row(job_id).dirbolt_status == "failed"


def test_alerts_reach_the_webhook(stack, webhook):
    stack.start_daemon()
    stack.queue.send("this is not a job message")
    stack.store.workers.heartbeat("ops-ghost-worker", "running")
    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        conn.execute("UPDATE worker_heartbeats SET last_seen_at = now() - interval '10 minutes' "
                     "WHERE worker_id = 'ops-ghost-worker'")
    stack.wait(lambda: {"dlq_depth", "stale_workers"} <= webhook.kinds(), timeout_s=120)
    stale = next(r for r in webhook.received if r["kind"] == "stale_workers")
    assert "ops-ghost-worker" in stale["text"]
    stale_events = [h for h in stack.store.audit.history(entity="worker") if h.event == "stale"]
    assert any(h.detail["worker_id"] == "ops-ghost-worker" for h in stale_events), stale_events


def test_ui_asset_page_shows_the_checks(stack):
    from playwright.sync_api import sync_playwright

    from dirbolt_core.runner.browser import CHROMIUM_ARGS, find_chromium

    ARTIFACT_DIR.mkdir(exist_ok=True)
    shot = ARTIFACT_DIR / "ui-asset-checks.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{stack.url}/assets/submissions?view=checks", wait_until="domcontentloaded")
        page.get_by_text("success_rate_above_90").first.wait_for(timeout=60_000)
        page.get_by_text("zero_duplicate_submissions").first.wait_for(timeout=30_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(shot), full_page=True)
        text = page.inner_text("body")
        browser.close()
    assert "p95_latency_under_5_min" in text
    assert any(word in text for word in ("Passed", "Failed", "Succeeded", "Warning")), text[:2000]
    assert shot.stat().st_size > 10_000
