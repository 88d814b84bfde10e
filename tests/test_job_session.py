"""One browser context per job, pages reused from one directory to the next (issue 20).

Real PostgreSQL, real sandbox, real Chromium: a job's directories go through one context and one
page per concurrent slot, each still accepted exactly once with its own proof; a page whose attempt
broke is closed and never lent again; a browser that died leaves the next directory a new context.
"""

from __future__ import annotations

import asyncio
import uuid

import yaml

from dirbolt_core.artifacts import LocalArtifactStore
from dirbolt_core.brain.mapper import FormBrain
from dirbolt_core.db.leases import WorkerLease
from dirbolt_core.heartbeat import new_worker_id
from dirbolt_core.localenv import dev_instance_yaml, machine_slots
from dirbolt_core.runner.browser import BrowserOptions, BrowserPool
from dirbolt_core.runner.engine import JobRunner
from dirbolt_core.runner.guard import UrlGuard
from dirbolt_core.runner.session import JobSession
from dirbolt_core.sample import SAMPLE_PROFILE
from dirbolt_core.vocabulary import Priority, SubmissionStatus

SITES = ["localpages", "citylisted", "bizspot"]


def test_a_jobs_directories_share_one_context_and_one_page_per_slot(store, catalog, sandbox, artifact_dir):
    store.directories.upsert(catalog, vouch="sandbox sites")
    directories = [d for d in catalog if d.id.removeprefix("sandbox-") in SITES]
    job_id = uuid.uuid4()
    # A starter job: one submission at a time, so one page goes from each directory to the next.
    store.jobs.create(job_id=job_id, customer_id="cust-session", package_size=3, priority=Priority.STARTER,
                      business_data=SAMPLE_PROFILE.model_dump(mode="json"))

    async def go():
        async with BrowserPool(BrowserOptions(), UrlGuard([str(d.submission_url) for d in catalog])) as pool:
            worker_id = new_worker_id("session")
            runner = JobRunner(store=store, artifacts=LocalArtifactStore(artifact_dir), brain=FormBrain(),
                               pool=pool, worker_id=worker_id, run_id="session-run")
            with WorkerLease.acquire(store.dsn, worker_id, job_id):
                summary = await runner.run_job(store.jobs.get(job_id), directories)
            return runner.last_session, summary

    session, summary = asyncio.run(go())
    assert {r.status for r in summary.reports} <= {SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED}
    assert (session.contexts_opened, session.pages_opened, session.pages_reused) == (1, 1, 2)
    for site in SITES:
        assert len(sandbox.accepted(site)) == 1, site
    artifacts = LocalArtifactStore(artifact_dir)
    for result in store.submissions.results(job_id):
        # Each directory's own proof: its screenshot (JPEG) and the HTML of its own answer page.
        assert result.screenshot_uri.endswith(".jpg") and artifacts.read(result.screenshot_uri)[:3] == b"\xff\xd8\xff"
        html = artifacts.read(result.html_uri).decode()
        assert result.directory_id.removeprefix("sandbox-") in (result.evidence.get("final_url") or ""), result
        assert "<html" in html.lower()


def test_a_broken_page_is_closed_and_a_dead_browser_leaves_a_new_context(catalog, sandbox):
    site = next(d for d in catalog if d.id == "sandbox-localpages")

    async def go():
        async with BrowserPool(BrowserOptions(), UrlGuard([str(d.submission_url) for d in catalog])) as pool:
            session = JobSession(pool)
            context, first = await session.page()
            await session.give_back(first, reusable=True)
            again_context, again = await session.page()
            assert (again_context, again) == (context, first)  # lent again
            await session.give_back(again, reusable=False)  # its attempt broke: closed, never lent again
            assert first.is_closed()
            _, fresh = await session.page()
            assert fresh is not first
            await session.give_back(fresh, reusable=True)
            await pool._browser.close()  # the browser dies under the job (crash, OOM kill)
            new_context, page = await session.page()
            assert new_context is not context and not page.is_closed()
            response = await page.goto(str(site.submission_url))  # and it works
            assert response is not None and response.ok
            await session.close()
            return session.contexts_opened

    assert asyncio.run(go()) == 2


def test_runs_and_browser_slots_follow_the_cores_unless_set():
    assert machine_slots(cores=1) == (3, 2)
    assert machine_slots(cores=2) == (5, 4)
    assert machine_slots(3, cores=8) == (4, 3)  # DIRBOLT_BROWSER_SLOTS wins
    config = yaml.safe_load(dev_instance_yaml(cores=2))
    assert config["concurrency"]["runs"]["max_concurrent_runs"] == 5
    assert config["concurrency"]["pools"]["default_limit"] == 4
    assert config["run_coordinator"]["config"]["dequeue_interval_seconds"] == 2
    assert not config["run_coordinator"]["config"].get("dequeue_use_threads")  # enterprise starts first
