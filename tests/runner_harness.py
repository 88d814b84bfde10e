"""Shared helpers for runner tests: orders, in-process runs, worker processes."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

from dirbolt_core.artifacts import ArtifactStore, LocalArtifactStore
from dirbolt_core.brain.mapper import FormBrain
from dirbolt_core.db.store import Store
from dirbolt_core.jobs import RunContext, plan_job, run_submissions
from dirbolt_core.models import BusinessProfile
from dirbolt_core.runner.browser import BrowserOptions
from dirbolt_core.runner.engine import JobRunSummary
from dirbolt_core.sample import SAMPLE_PROFILE
from dirbolt_core.settings import REPO_ROOT
from dirbolt_core.vocabulary import Priority


def business(n: int) -> BusinessProfile:
    """A distinct business per n (sites refuse a second listing with the same name and phone)."""
    return SAMPLE_PROFILE.model_copy(update={"business_name": f"Bluebird Bakery No. {n}",
                                             "phone": f"(512) 555-{1000 + n:04d}"})


def order(store: Store, profile: BusinessProfile = SAMPLE_PROFILE, *, priority: Priority = Priority.ENTERPRISE,
          size: int = 1) -> uuid.UUID:
    job_id = uuid.uuid4()
    store.jobs.create(job_id=job_id, customer_id="cust", package_size=size, priority=priority,
                     business_data=profile.model_dump(mode="json"))
    return job_id


def run_in_process(store: Store, job_id: uuid.UUID, artifacts: ArtifactStore | Path, **ctx_kwargs) -> JobRunSummary:
    if isinstance(artifacts, Path):
        artifacts = LocalArtifactStore(artifacts)
    plan_job(store, job_id, actor="test")
    ctx = RunContext(artifacts=artifacts, brain=FormBrain(), browser=BrowserOptions(), run_id="test",
                     **ctx_kwargs)
    return asyncio.run(run_submissions(store, job_id, ctx))


def worker_env(database_url: str, artifacts: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "DIRBOLT_DATABASE_URL": database_url, "DIRBOLT_ARTIFACTS_URI": str(artifacts),
            **extra}


def start_worker(job_id: uuid.UUID, env: dict[str, str], log: Path) -> subprocess.Popen:
    """`dirbolt run-job` in its own process: a separate worker sharing only PostgreSQL."""
    out = open(log, "ab")  # noqa: SIM115 - closed when the process is reaped by the test
    return subprocess.Popen([str(Path(sys.executable).with_name("dirbolt")), "run-job", str(job_id)],
                            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
