"""A job's submissions as shards (steps), in-process and across two Celery worker hosts.

Real parts: PostgreSQL (system of record and Dagster storage), the sandbox over HTTP, Chromium,
RabbitMQ on 127.0.0.1:5672 for the Celery test.
"""

from __future__ import annotations

import json

import dagster as dg
import pytest
from dagster._core.execution.stats import StepEventStatus

from dirbolt_core.settings import get_settings
from dirbolt_core.vocabulary import JobStatus, Priority
from dirbolt_dagster.assets import job_plan, submissions
from dirbolt_dagster.resources import ArtifactStoreResource, BrainResource, BrowserResource, StoreResource
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
    store.upsert_directories([d for d in catalog if d.id.removeprefix("sandbox-") in SITES])
    profile = business(2101)
    job_id = order(store, profile, priority=Priority.ENTERPRISE, size=len(SITES))
    shard_size(2)  # 5 directories: shards of 2, 2 and 1
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("jobs", [str(job_id)])
    resources = {"store": StoreResource(database_url=database_url), "browser": BrowserResource(),
                 "brain": BrainResource(database_url=database_url),
                 "artifacts": ArtifactStoreResource(uri=str(artifact_dir))}
    result = dg.materialize([job_plan, submissions], partition_key=str(job_id), instance=instance,
                            resources=resources)
    assert result.success
    steps = {s.step_key: s.status for s in instance.get_run_step_stats(result.run_id)}
    assert {k for k in steps if "submit_shard" in k} == {
        "submissions.submit_shard[1_of_3]", "submissions.submit_shard[2_of_3]", "submissions.submit_shard[3_of_3]"}
    assert set(steps.values()) == {StepEventStatus.SUCCESS}
    # The checks ran once, after every shard, over all five results.
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert set(checks) == {"success_rate_above_90", "p95_latency_under_5_min", "zero_duplicate_submissions"}
    assert checks["success_rate_above_90"].metadata["counted"].value == len(SITES)
    assert checks["zero_duplicate_submissions"].passed
    [mat] = result.asset_materializations_for_node("submissions")
    assert mat.metadata["directories"].value == len(SITES)
    assert store.job(job_id).status is JobStatus.COMPLETED
    assert _accepted_once(sandbox, profile.business_name, SITES) == dict.fromkeys(SITES, 1)
    # Each shard's worker claimed its own slice: three owners, one claim per directory.
    claims = [h for h in store.history(job_id) if h["entity"] == "submission" and h["event"] == "claimed"]
    assert len(claims) == len(SITES) and len({h["actor"] for h in claims}) == 3

    # A rerun of the finished job (other shard size on this host) submits nothing again.
    shard_size(100)
    rerun = dg.materialize([job_plan, submissions], partition_key=str(job_id), instance=instance,
                           resources=resources)
    assert rerun.success
    assert _accepted_once(sandbox, profile.business_name, SITES) == dict.fromkeys(SITES, 1)
