"""The platform on this machine: `migrate`, `demo` (the main job end to end) and `dev` (the Dagster UI)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Annotated

import typer

from dirbolt_cli.console import console, progress_bar, results_table
from dirbolt_core.settings import REPO_ROOT, get_settings
from dirbolt_core.vocabulary import Priority


def migrate() -> None:
    """Apply the sql/ migrations to the system of record (embedded PostgreSQL when none is configured)."""
    from dirbolt_core.composition import database_url
    from dirbolt_core.db.migrations import applied, apply_migrations

    dsn = database_url(get_settings())
    done = apply_migrations(dsn)
    for name in done:
        console.print(f"applied [bold]{name}[/bold]")
    console.print(f"{len(applied(dsn))} migrations in place ({len(done)} new)")


def _wait_for_job(store, job_id: uuid.UUID, daemon: subprocess.Popen, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    with progress_bar() as progress:
        task = progress.add_task("waiting for the sensor to pick up the job", total=None)
        while time.monotonic() < deadline:
            job = store.jobs.get(job_id)
            rows = store.submissions.results(job_id)
            done = sum(1 for r in rows if r.status.value not in ("pending", "processing"))
            if rows:
                progress.update(task, total=len(rows), completed=done,
                                description=f"job {job.status if job else '?'}: submitting")
            elif job and job.status.value == "queued":
                progress.update(task, description="queued: a Dagster run is starting")
            if job and job.status.value in ("completed", "failed", "rejected"):
                return True
            if daemon.poll() is not None:
                console.print(f"[red]the Dagster daemon exited with code {daemon.returncode}[/red]")
                return False
            time.sleep(1)
    return False


def _load_catalog(store, settings, sandbox_url: str | None) -> int:
    """demo/dev: import the configured catalog; the local sandbox's sites are vouched ready (their
    behaviour is known), any other directory waits for its probe (`dirbolt directories probe`)."""
    from dirbolt_core.catalog import load_sandbox_catalog

    report, vouched = load_sandbox_catalog(store, settings.catalog_path, sandbox_url=sandbox_url, actor="cli:load")
    counts = report.counts
    if counts["refused"]:
        console.print(f"[yellow]catalog: {counts['refused']} rows refused (see `dirbolt directories import "
                      f"{settings.catalog_path} --dry-run`)[/yellow]")
    if vouched:
        console.print(f"catalog: {len(vouched)} sandbox directories vouched ready without a probe")
    return len(report.rows) - counts["refused"]


def _plannable_count(store, settings) -> int:
    """How many directories a plan could use now (ready, or login-required with credentials)."""
    from dirbolt_core import composition
    from dirbolt_core.directories.readiness import plan_directories

    states = store.directories.states()
    credential_ids = composition.directory_credentials(settings).ids()
    return plan_directories(states, len(states), credential_ids=credential_ids).usable


def demo(
    priority: Priority = Priority.ENTERPRISE,
    package_size: Annotated[int | None, typer.Option(
        help="directories to submit to (default: every directory the catalog can plan)")] = None,
    timeout: Annotated[float, typer.Option(help="seconds to wait for the job")] = 900,
) -> None:
    """The main job end to end: embedded parts, SQS, the sensor, a Dagster run, real browser submissions."""
    from dirbolt_core import composition
    from dirbolt_core.db.migrations import apply_migrations
    from dirbolt_core.jobs import enqueue_job
    from dirbolt_core.localenv import local_environment
    from dirbolt_core.sample import SAMPLE_PROFILE

    settings = get_settings()
    with local_environment(settings) as local:
        for part in local.started:
            console.print(f"started {part}")
        applied_now = apply_migrations(local.database_url)
        console.print(f"system of record ready ({len(applied_now)} migrations applied now)")
        env = local.env()
        env.setdefault("DIRBOLT_SENSOR_INTERVAL_S", "2")
        log_path = settings.home / "logs" / "dagster-daemon.log"
        with composition.open_store(settings, dsn=local.database_url) as store, open(log_path, "ab") as log:
            count = _load_catalog(store, settings, local.sandbox_url)
            console.print(f"catalog: {count} directories")
            if package_size is None:
                package_size = max(1, _plannable_count(store, settings))
            queue = composition.job_queue(settings, endpoint_url=local.sqs_endpoint_url)
            queue.ensure()
            daemon = subprocess.Popen(
                [str(Path(sys.executable).with_name("dagster-daemon")), "run", "-w", str(REPO_ROOT / "workspace.yaml")],
                env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
            try:
                job_id, relayed = enqueue_job(store, queue, profile=SAMPLE_PROFILE.model_dump(mode="json"),
                                              priority=priority, package_size=package_size,
                                              customer_id="demo-customer")
                if relayed.error:
                    console.print(f"[yellow]message not sent yet ({relayed.error}); the sensor sends it[/yellow]")
                console.print(f"enqueued job [bold]{job_id}[/bold] ({priority.value}, {package_size} directories) "
                              f"on {queue.queue_name}; Dagster daemon log: {log_path}")
                finished = _wait_for_job(store, job_id, daemon, timeout)
                console.print(results_table(store, job_id))
                counts: dict[str, int] = {}
                for r in store.submissions.results(job_id):
                    counts[r.status.value] = counts.get(r.status.value, 0) + 1
                console.print("outcomes: " + json.dumps(counts))
                if not finished:
                    console.print(f"[red]the job did not finish within {timeout:.0f}s; see {log_path}[/red]")
                    raise typer.Exit(1)
            finally:
                daemon.terminate()
                try:
                    daemon.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    daemon.kill()


def dev(port: int = 3000) -> None:
    """The embedded parts plus the Dagster UI and daemon (`dagster dev`) and the operator web app."""
    from dirbolt_core import composition
    from dirbolt_core.db.migrations import apply_migrations
    from dirbolt_core.localenv import local_environment, shell_exports

    settings = get_settings()
    with local_environment(settings) as local:
        apply_migrations(local.database_url)
        with composition.open_store(settings, dsn=local.database_url) as store:
            _load_catalog(store, settings, local.sandbox_url)
        for part in local.started:
            console.print(f"started {part}")
        env = local.env()
        env.setdefault("DIRBOLT_WEB_URL", settings.resolved_web_url())
        env.setdefault("DIRBOLT_ARTIFACTS_URI", settings.resolved_artifacts_uri())
        web_log = open(settings.home / "logs" / "web.log", "ab")  # noqa: SIM115 - lives as long as the app
        web = subprocess.Popen([str(Path(sys.executable).with_name("dirbolt")), "web", "--port",
                                str(settings.web_port)], env=env, stdout=web_log, stderr=subprocess.STDOUT,
                               cwd=REPO_ROOT)
        console.print(f"Dagster UI on http://127.0.0.1:{port}/ (DAGSTER_HOME={local.dagster_home})")
        console.print(f"proof and reports on {env['DIRBOLT_WEB_URL']}/artifacts/... (the operator web app)")
        console.print("export these in another shell to use `dirbolt enqueue`, `results`, `rerun` there:")
        for line in shell_exports(env):
            console.print(f"  {line}", soft_wrap=True, highlight=False, markup=False)
        try:
            subprocess.run([str(Path(sys.executable).with_name("dagster")), "dev", "-w",
                            str(REPO_ROOT / "workspace.yaml"), "-p", str(port)], env=env, cwd=REPO_ROOT,
                           check=False)
        finally:
            web.terminate()
            web.wait(timeout=20)
            web_log.close()


def register(app: typer.Typer) -> None:
    app.command()(migrate)
    app.command()(demo)
    app.command()(dev)
