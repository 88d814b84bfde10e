"""Migration toolkit: routing, shadow mode, comparison gates, cutover (over the legacy schema itself:
tests/test_legacy_platform.py)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from pathlib import Path

import dagster as dg
import pytest

from dirbolt_core.artifacts import LocalArtifactStore
from dirbolt_core.brain.mapper import FormBrain
from dirbolt_core.db.migrations import apply_migrations
from dirbolt_core.db.store import Store
from dirbolt_core.jobs import RunContext, plan_job, run_submissions
from dirbolt_core.migration.compare import compare_and_record
from dirbolt_core.migration.routing import route
from dirbolt_core.runner.browser import BrowserOptions, BrowserPool
from dirbolt_core.runner.guard import UrlGuard
from dirbolt_core.settings import REPO_ROOT
from dirbolt_core.vocabulary import Priority, SubmissionStatus
from tests.runner_harness import business, order


def test_migrations_apply_to_an_empty_database(empty_database_url):
    apply_migrations(empty_database_url)
    with Store(empty_database_url) as store:
        settings = store.rollout.settings()
        assert settings.routing_percent == 100 and not settings.legacy_comparison


def test_routing_is_a_stable_share_of_jobs():
    ids = [uuid.uuid5(uuid.NAMESPACE_URL, f"job-{i}") for i in range(2000)]
    live = sum(route(i, 10) == "live" for i in ids)
    assert 150 <= live <= 250  # about 10%
    assert [route(i, 10) for i in ids] == [route(str(i), 10) for i in ids]
    # Raising the share only adds live jobs: a job live at 10% stays live at 50%.
    assert all(route(i, 50) == "live" for i in ids if route(i, 10) == "live")
    assert all(route(i, 0) == "shadow" for i in ids) and all(route(i, 100) == "live" for i in ids)


def test_ten_percent_of_200_jobs_run_live_and_shadow_jobs_submit_nothing(store, catalog, sandbox, artifact_dir):
    site = next(d for d in catalog if d.id == "sandbox-localpages")
    store.directories.upsert([site], vouch="sandbox sites")
    store.rollout.set(actor="test", routing_percent=10)
    jobs = []
    for n in range(200):
        job_id = uuid.uuid5(uuid.NAMESPACE_URL, f"routing-test-{n}")
        store.jobs.create(job_id=job_id, customer_id="c", package_size=1, priority=Priority.ENTERPRISE,
                         business_data=business(n).model_dump(mode="json"))
        jobs.append((job_id, business(n).business_name))
    modes = {job_id: plan_job(store, job_id, actor="test").routing for job_id, _ in jobs}
    live = [j for j, m in modes.items() if m == "live"]
    assert 10 <= len(live) <= 30, len(live)
    # Stable across reruns, and recorded on the job.
    assert all(plan_job(store, j, actor="rerun").routing == m for j, m in list(modes.items())[:50])
    assert all(store.jobs.row(j).routing == m for j, m in modes.items())

    async def run_all() -> None:
        ctx = RunContext(artifacts=LocalArtifactStore(artifact_dir), brain=FormBrain(), browser=BrowserOptions(),
                         run_id="routing-test")
        async with BrowserPool(ctx.browser, UrlGuard([str(site.submission_url)])) as pool:
            gate = asyncio.Semaphore(4)

            async def one(job_id: uuid.UUID) -> None:
                async with gate:
                    await run_submissions(store, job_id, ctx, pool=pool)

            await asyncio.gather(*(one(j) for j, _ in jobs))

    asyncio.run(run_all())
    accepted = sandbox.accepted("localpages")
    accepted_names = {s["fields"]["business_name"] for s in accepted}
    live_names = {name for j, name in jobs if modes[j] == "live"}
    assert accepted_names == live_names and len(accepted) == len(live)
    for job_id, _ in jobs:
        [result] = store.submissions.results(job_id)
        assert result.status is SubmissionStatus.SUBMITTED, result
        if modes[job_id] == "shadow":
            assert result.evidence.get("shadow") is True and result.reason.startswith("shadow")


def _seed_comparison(store: Store, agreeing: int, total: int = 100) -> uuid.UUID:
    job_id = order(store)
    with store.connection() as conn:
        for i in range(total):
            name = f"Directory {i:03d}"
            conn.execute("""INSERT INTO job_results (job_id, customer_id, idempotency_key, directory_id,
                                directory_name, status, reason)
                            VALUES (%s, 'cust', %s, %s, %s, 'submitted', 'thanks page')""",
                         (job_id, uuid.uuid4().hex, f"dir-{i:03d}", name))
            legacy_status = "approved" if i < agreeing else "rejected"
            conn.execute("""INSERT INTO job_results (job_id, customer_id, directory_name, submission_status,
                                                     rejection_reason)
                            VALUES (%s, 'cust', %s, %s, %s)""",
                         (job_id, name, legacy_status, None if i < agreeing else "listing refused"))
    return job_id


def _run_comparison(store: Store, job_id: uuid.UUID) -> dg.AssetCheckEvaluation:
    from dirbolt_dagster.migration.assets import legacy_comparison
    from dirbolt_dagster.resources import StoreResource

    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("jobs", [str(job_id)])
    result = dg.materialize([legacy_comparison], partition_key=str(job_id),
                            instance=instance, resources={"store": StoreResource(database_url=store.dsn)})
    assert result.success
    [evaluation] = result.get_asset_check_evaluations()
    return evaluation


@pytest.mark.parametrize(("agreeing", "passes"), [(97, True), (90, False)])
def test_agreement_gate_on_seeded_legacy_results(store, agreeing, passes):
    store.rollout.set(actor="test", routing_percent=0, legacy_comparison=True)
    job_id = _seed_comparison(store, agreeing)
    evaluation = _run_comparison(store, job_id)
    assert evaluation.passed is passes
    # Real figures (a percentage the UI can plot), the threshold as text.
    assert evaluation.metadata["agreement_percent"].value == float(agreeing)
    assert evaluation.metadata["gate"].value == "> 95%"
    assert evaluation.metadata["compared"].value == 100
    listed = evaluation.metadata["disagreements"].value
    assert listed.count("legacy rejected vs new submitted") == 100 - agreeing


@pytest.mark.parametrize("comparison_on", [False, True])
def test_agreement_check_is_skipped_when_nothing_is_compared(store, comparison_on):
    """Comparison off (cut over), or no legacy result to compare: the agreement check does not pass on
    nothing, it is skipped, and the asset says "not applicable"."""
    from dirbolt_dagster.migration.assets import AGREEMENT_CHECK, legacy_comparison
    from dirbolt_dagster.resources import StoreResource

    store.rollout.set(actor="test", routing_percent=0, legacy_comparison=comparison_on)
    job_id = order(store)
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("jobs", [str(job_id)])
    result = dg.materialize([legacy_comparison], partition_key=str(job_id), instance=instance,
                            resources={"store": StoreResource(database_url=store.dsn)})
    assert result.success
    assert result.get_asset_check_evaluations() == []
    [mat] = result.asset_materializations_for_node("legacy_comparison")
    assert mat.metadata["compared"].value == 0
    assert mat.metadata["agreement"].value.startswith("not applicable")
    key = dg.AssetCheckKey(dg.AssetKey("legacy_comparison"), AGREEMENT_CHECK)
    record = instance.event_log_storage.get_latest_asset_check_execution_by_key([key]).get(key)
    assert record is None or record.status.value != "SUCCEEDED"


def test_migration_status_prints_phase_and_gates(store):
    store.rollout.set(actor="test", routing_percent=10, legacy_comparison=True)
    compare_and_record(store, _seed_comparison(store, 97))
    env = {"DIRBOLT_DATABASE_URL": store.dsn, "PATH": "/usr/bin:/bin", "HOME": str(REPO_ROOT)}
    out = subprocess.run([str(Path(sys.executable).with_name("dirbolt")), "migration", "status"], env=env,
                         capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "phase: live 10%" in text
    assert "legacy agreement" in text and "97.0%" in text
    assert "success rate" in text and "p95 latency" in text
    # Agreement is met; the others have no live work yet and block the next phase.
    assert "next phase: live 50% — blocked by:" in text and "no live submission yet" in text


def test_cutover_and_rollback_leave_no_job_half_processed(store, catalog, sandbox, artifact_dir):
    site = next(d for d in catalog if d.id == "sandbox-localpages")
    store.directories.upsert([site], vouch="sandbox sites")

    def run(job_id: uuid.UUID) -> None:
        ctx = RunContext(artifacts=LocalArtifactStore(artifact_dir), brain=FormBrain(), browser=BrowserOptions(),
                         run_id="cutover-test")
        asyncio.run(run_submissions(store, job_id, ctx))

    store.rollout.set(actor="test", routing_percent=0, legacy_comparison=True)
    shadow_job = order(store, business(1))
    assert plan_job(store, shadow_job, actor="test").routing == "shadow"
    store.rollout.set(actor="test", routing_percent=100, legacy_comparison=False)  # cutover mid-flight
    run(shadow_job)  # the job planned in shadow finishes in shadow
    assert not sandbox.accepted("localpages")
    live_job = order(store, business(2))
    run_plan = plan_job(store, live_job, actor="test")
    assert run_plan.routing == "live"
    store.rollout.set(actor="test", routing_percent=0, legacy_comparison=True)  # rollback mid-flight
    run(live_job)  # already live: it finishes live, it is not left half-submitted
    assert [s["fields"]["business_name"] for s in sandbox.accepted("localpages")] == [business(2).business_name]
    events = [h.event for h in store.audit.history(entity="rollout")]
    assert events.count("rollout_changed") == 3
    assert json.dumps(store.rollout.settings().routing_percent) == "0"
