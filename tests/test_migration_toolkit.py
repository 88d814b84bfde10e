"""Migration toolkit: legacy-shaped databases, routing, shadow mode, comparison gates, cutover."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from pathlib import Path

import dagster as dg
import psycopg
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
from dirbolt_core.vocabulary import JobStatus, Priority, SubmissionStatus
from tests.runner_harness import business, order

LEGACY_SQL = Path(__file__).parent / "fixtures" / "legacy_schema.sql"
LEGACY_JOB = uuid.UUID("11111111-1111-4111-8111-111111111111")
LEGACY_RUNNING_JOB = uuid.UUID("22222222-2222-4222-8222-222222222222")


def _snapshot(dsn: str) -> tuple[list, list]:
    with psycopg.connect(dsn) as conn:
        jobs = conn.execute("SELECT id, customer_id, package_type, directory_limit, priority_level, status, "
                            "business_data FROM jobs ORDER BY id").fetchall()
        results = conn.execute("SELECT job_id, directory_name, directory_url, submission_status, listing_url, "
                               "rejection_reason, processing_time_seconds FROM job_results "
                               "ORDER BY job_id, directory_name").fetchall()
    return jobs, results


def test_migrations_apply_to_an_empty_database(empty_database_url):
    apply_migrations(empty_database_url)
    with Store(empty_database_url) as store:
        settings = store.rollout.settings()
        assert settings.routing_percent == 100 and not settings.legacy_comparison


def test_migrations_keep_a_legacy_database_working(empty_database_url):
    with psycopg.connect(empty_database_url, autocommit=True) as conn:
        conn.execute(LEGACY_SQL.read_text())
    before = _snapshot(empty_database_url)
    apply_migrations(empty_database_url)
    assert _snapshot(empty_database_url) == before  # legacy rows intact, to the value

    with Store(empty_database_url) as store:
        # Readable by the new system, on its scale.
        done = store.jobs.get(LEGACY_JOB)
        assert done.status is JobStatus.COMPLETED and done.priority is Priority.GROWTH and done.package_size == 100
        assert done.profile.business_name == "Legacy Lumber Co"
        assert store.jobs.get(LEGACY_RUNNING_JOB).status is JobStatus.RUNNING
        assert {r.directory_name: r.submission_status for r in store.rollout.legacy_results(LEGACY_JOB)} == {
            "Yelp": "approved", "Foursquare": "rejected"}
        # A database with the legacy system's jobs starts in shadow.
        assert store.rollout.settings().routing_percent == 0
        # The new system writes into the shared tables despite the legacy constraints...
        job_id = order(store, priority=Priority.STARTER)
        store.jobs.mark_queued(job_id, message_id="m", actor="test")
        store.jobs.set_status(job_id, JobStatus.RUNNING, actor="test")
    # ...and the legacy writer keeps writing the way it always did.
    with psycopg.connect(empty_database_url, autocommit=True) as conn:
        legacy_id = conn.execute(
            """INSERT INTO jobs (customer_id, package_type, directory_limit, business_data)
               VALUES ('DB-2025-0003', 'professional', 200, '{"business_name": "Next Legacy"}') RETURNING id"""
        ).fetchone()[0]
        conn.execute("""INSERT INTO job_results (job_id, directory_name, submission_status)
                        VALUES (%s, 'Yelp', 'submitted')""", (legacy_id,))
        conn.execute("UPDATE jobs SET status = 'in_progress' WHERE id = %s", (legacy_id,))


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
            conn.execute("""INSERT INTO job_results (job_id, idempotency_key, directory_id, directory_name,
                                status, submission_status, reason)
                            VALUES (%s, %s, %s, %s, 'submitted', 'submitted', 'thanks page')""",
                         (job_id, uuid.uuid4().hex, f"dir-{i:03d}", name))
            legacy_status = "approved" if i < agreeing else "rejected"
            conn.execute("""INSERT INTO job_results (job_id, directory_name, submission_status, rejection_reason)
                            VALUES (%s, %s, %s, %s)""",
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
    assert evaluation.metadata["agreement_percent"].value == f"{agreeing / 100:.1%}"
    assert evaluation.metadata["compared"].value == 100
    listed = evaluation.metadata["disagreements"].value
    assert listed.count("legacy rejected vs new submitted") == 100 - agreeing


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
