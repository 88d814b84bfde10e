"""Runner reliability against the real sandbox: pacing across processes, retries, proof, heartbeats."""

from __future__ import annotations

import os
import signal
import threading
import time
from itertools import pairwise

import boto3
import httpx
import pytest

from dirbolt_core.artifacts import S3ArtifactStore
from dirbolt_core.services import start_sandbox
from dirbolt_core.vocabulary import SubmissionStatus
from tests.runner_harness import business, order, run_in_process, start_worker, worker_env


def _only(catalog, site: str, **changes):
    directory = next(d for d in catalog if d.id == f"sandbox-{site}")
    return directory.model_copy(update=changes)


def test_two_workers_never_hit_a_directory_closer_than_its_rate_limit(store, catalog, sandbox, tmp_path,
                                                                     artifact_dir):
    store.directories.upsert([_only(catalog, "localpages", rate_limit_ms=2000)], vouch="sandbox sites")
    jobs = [order(store, business(n)) for n in range(6)]
    env = worker_env(store.dsn, artifact_dir)
    failures: list[str] = []

    def lane(lane_jobs) -> None:
        for job_id in lane_jobs:
            proc = start_worker(job_id, env, tmp_path / f"worker-{job_id}.log")
            if proc.wait(timeout=180) != 0:
                failures.append((tmp_path / f"worker-{job_id}.log").read_text()[-2000:])

    lanes = [threading.Thread(target=lane, args=(jobs[i::2],)) for i in range(2)]
    for t in lanes:
        t.start()
    for t in lanes:
        t.join()
    assert not failures, failures
    received = sorted(s["received_at"] for s in sandbox.submissions("localpages"))
    assert len(sandbox.accepted("localpages")) == 6 and len(received) == 6
    gaps = [b - a for a, b in pairwise(received)]
    assert min(gaps) >= 2.0, gaps


@pytest.fixture
def seeded_sandbox(tmp_path):
    # Seed 1 makes localpages' first two draws fail at 50%: a retry story that is the same every run.
    with start_sandbox(seed=1, log_path=tmp_path / "sandbox.log") as server:
        yield server


def test_a_flaky_site_is_retried_with_growing_delays_until_it_succeeds(store, seeded_sandbox, artifact_dir):
    from dirbolt_core.catalog import load_catalog
    from dirbolt_core.settings import SANDBOX_CATALOG

    catalog = load_catalog(SANDBOX_CATALOG, sandbox_url=seeded_sandbox.url)
    store.directories.upsert([_only(catalog, "localpages")], vouch="sandbox sites")
    httpx.post(f"{seeded_sandbox.url}/_admin/config",
               json={"site": "localpages", "failure_rate": 0.5, "max_consecutive_failures": 2}).raise_for_status()
    job_id = order(store)
    run_in_process(store, job_id, artifact_dir)
    [result] = store.submissions.results(job_id)
    assert result.status is SubmissionStatus.SUBMITTED, result
    attempts = result.evidence["attempts"]
    assert [a["status"] for a in attempts] == ["failed", "failed", "submitted"]
    delays = [b["at"] - a["at"] for a, b in pairwise(attempts)]
    # 1 s then 2 s (±25% jitter) plus the attempt itself.
    assert 0.75 <= delays[0] < delays[1] and delays[1] >= 1.5, delays
    record = httpx.get(f"{seeded_sandbox.url}/_admin/submissions", params={"site": "localpages"}).json()
    assert [r["outcome"] for r in record] == ["unavailable", "unavailable", "accepted"]


def test_a_site_that_always_fails_ends_failed_after_exactly_three_attempts(store, catalog, sandbox, artifact_dir):
    store.directories.upsert([_only(catalog, "localpages")], vouch="sandbox sites")
    sandbox.configure("localpages", always_fail=True)
    job_id = order(store)
    run_in_process(store, job_id, artifact_dir)
    [result] = store.submissions.results(job_id)
    assert result.status is SubmissionStatus.FAILED and result.attempts == 3, result
    assert "gave up after 3 attempts" in result.reason
    assert len(sandbox.submissions("localpages")) == 3 and not sandbox.accepted("localpages")


def test_proof_goes_to_an_s3_compatible_store(store, catalog, sandbox, sqs_server):
    # moto's server speaks S3 as well as SQS.
    s3 = S3ArtifactStore("dirbolt-proof", "runs", endpoint_url=sqs_server.url, create_bucket=True)
    store.directories.upsert([_only(catalog, "localpages"), _only(catalog, "northonly")], vouch="sandbox sites")
    job_id = order(store, size=2)
    run_in_process(store, job_id, s3)
    client = boto3.client("s3", endpoint_url=sqs_server.url, region_name="us-east-1")
    results = store.submissions.results(job_id)
    assert {r.status for r in results} == {SubmissionStatus.SUBMITTED, SubmissionStatus.REJECTED}
    for r in results:
        for uri in (r.screenshot_uri, r.html_uri):
            assert uri and uri.startswith("s3://dirbolt-proof/runs/"), uri
            assert s3.exists(uri)
            key = uri.removeprefix("s3://dirbolt-proof/")
            body = client.get_object(Bucket="dirbolt-proof", Key=key)["Body"].read()
            if uri.endswith(".jpg"):
                assert body[:3] == b"\xff\xd8\xff"  # the screenshot, a JPEG
            else:
                assert uri.endswith(".html") and b"<html" in body.lower()


def test_heartbeats_during_work_and_a_killed_worker_goes_stale(store, catalog, sandbox, tmp_path, artifact_dir):
    sites = ["localpages", "citylisted", "bizspot"]
    store.directories.upsert([_only(catalog, s) for s in sites], vouch="sandbox sites")
    for s in sites:
        sandbox.configure(s, latency_ms=1500)
    env = worker_env(store.dsn, artifact_dir, DIRBOLT_HEARTBEAT_SECONDS="1")
    job_id = order(store, size=3)
    proc = start_worker(job_id, env, tmp_path / "worker.log")
    seen: list[tuple[str, float]] = []
    while proc.poll() is None:
        for row in store.workers.stale(stale_after_s=0):
            if row.job_id == job_id:
                seen.append((row.status, row.last_seen_at.timestamp()))
        time.sleep(0.3)
    assert proc.returncode == 0, (tmp_path / "worker.log").read_text()[-2000:]
    beats = sorted({t for status, t in seen if status == "running"})
    assert len(beats) >= 3, seen
    gaps = [b - a for a, b in pairwise(beats)]
    assert all(0.5 <= g <= 2.5 for g in gaps), gaps
    final = [r for r in store.workers.stale(stale_after_s=0) if r.job_id == job_id]
    assert not final  # retired workers are never stale
    story = [h.event for h in store.audit.history(job_id, entity="worker")]
    assert story == ["worker_starting", "worker_running", "worker_idle", "worker_stopped"], story

    # A worker killed mid-job stops beating and shows up as stale.
    killed_job = order(store, business(99), size=3)
    proc = start_worker(killed_job, env, tmp_path / "killed.log")
    deadline = time.monotonic() + 60
    while not any(r.job_id == killed_job and r.status == "running"
                  for r in store.workers.stale(stale_after_s=0)):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not [r for r in store.workers.stale(stale_after_s=3) if r.job_id == killed_job]
    time.sleep(4)
    stale = [r for r in store.workers.stale(stale_after_s=3) if r.job_id == killed_job]
    assert stale and stale[0].status == "running"
