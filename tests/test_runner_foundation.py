"""The runner against the first sandbox sites: real PostgreSQL, real sandbox, real Chromium."""

from __future__ import annotations

import asyncio
import uuid

from dirbolt_core.artifacts import LocalArtifactStore
from dirbolt_core.brain.mapper import FormBrain
from dirbolt_core.db.leases import WorkerLease
from dirbolt_core.heartbeat import new_worker_id
from dirbolt_core.runner.browser import BrowserOptions, BrowserPool
from dirbolt_core.runner.engine import JobRunner
from dirbolt_core.runner.guard import UrlGuard
from dirbolt_core.sample import SAMPLE_PROFILE
from dirbolt_core.vocabulary import Priority
from dirbolt_sandbox.sites import SITE_CLASSES

FOUNDATION = ["localpages", "citylisted", "bizspot", "verifiedfinder", "northonly"]


def run_job(store, catalog, artifact_dir, job_id, directories, priority=Priority.ENTERPRISE):
    async def go():
        pool = BrowserPool(BrowserOptions(), UrlGuard([str(d.submission_url) for d in catalog]))
        async with pool:
            worker_id = new_worker_id("test")
            runner = JobRunner(store=store, artifacts=LocalArtifactStore(artifact_dir), brain=FormBrain(),
                               pool=pool, worker_id=worker_id, run_id="test-run")
            job = store.jobs.get(job_id)
            with WorkerLease.acquire(store.dsn, worker_id, job_id):
                return await runner.run_job(job, directories)

    return asyncio.run(go())


def test_foundation_sites_end_as_each_site_behaves(store, catalog, sandbox, artifact_dir):
    store.directories.upsert(catalog, vouch="sandbox sites")
    job_id = uuid.uuid4()
    store.jobs.create(job_id=job_id, customer_id="cust-1", package_size=5, priority=Priority.ENTERPRISE,
                     business_data=SAMPLE_PROFILE.model_dump(mode="json"))
    directories = [d for d in catalog if d.id.removeprefix("sandbox-") in FOUNDATION]
    summary = run_job(store, catalog, artifact_dir, job_id, directories)
    expected = {cls.id: cls.expected_status for cls in SITE_CLASSES if cls.id in FOUNDATION}
    got = {r.directory_id.removeprefix("sandbox-"): r.status.value for r in summary.reports}
    assert got == expected, summary.reports
    # The sandbox's own record: one accepted submission per submittable site, no spam.
    for site, status in expected.items():
        accepted = sandbox.accepted(site)
        assert len(accepted) == (1 if status in ("submitted", "approved") else 0), (site, accepted)
    assert not [s for s in sandbox.submissions() if s["outcome"] == "spam"]
    # Proof exists for every result.
    artifacts = LocalArtifactStore(artifact_dir)
    for result in store.submissions.results(job_id):
        assert result.screenshot_uri and artifacts.exists(result.screenshot_uri), result
        assert result.html_uri and artifacts.exists(result.html_uri), result

    # A rerun of the finished job submits nothing new.
    rerun = run_job(store, catalog, artifact_dir, job_id, directories)
    assert not any(r.submitted_now for r in rerun.reports)
    assert sum(len(sandbox.accepted(site)) for site in expected) == 3
