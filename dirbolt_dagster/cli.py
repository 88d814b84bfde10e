"""`dirbolt`: the command line for operators and developers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from dirbolt_core.redact import redact_env_value
from dirbolt_core.settings import REPO_ROOT, get_settings
from dirbolt_core.vocabulary import Priority

app = typer.Typer(help="dirbolt: directory submissions on Dagster.", no_args_is_help=True,
                  pretty_exceptions_show_locals=False)
# Wide enough for the results table when output is not a terminal (CI logs, pipes).
console = Console(width=None if sys.stdout.isatty() else 160)

STATUS_STYLE = {"submitted": "green", "approved": "bold green", "needs_manual": "yellow", "rejected": "red",
                "failed": "bold red", "skipped": "dim", "pending": "dim", "processing": "cyan"}


def _database_url() -> str:
    settings = get_settings()
    if settings.database_url is not None:
        return settings.database_url.get_secret_value()
    from dirbolt_core.db.embedded import start_embedded_postgres

    return start_embedded_postgres(settings.home / "pgdata")


@app.command()
def migrate() -> None:
    """Apply the sql/ migrations to the system of record (embedded PostgreSQL when none is configured)."""
    from dirbolt_core.db.migrations import applied, apply_migrations

    dsn = _database_url()
    done = apply_migrations(dsn)
    for name in done:
        console.print(f"applied [bold]{name}[/bold]")
    console.print(f"{len(applied(dsn))} migrations in place ({len(done)} new)")


@app.command()
def sandbox(port: int = 8710, seed: int = 7, host: str = "127.0.0.1",
            mirrors: int = typer.Option(1, min=1, help="serve every site N times as distinct directories")) -> None:
    """Serve the sandbox directory network."""
    import uvicorn

    from dirbolt_core.sandbox.app import create_app

    console.print(f"sandbox directory network on http://{host}:{port}/")
    uvicorn.run(create_app(seed=seed, mirrors=mirrors), host=host, port=port, log_level="warning")


def _load_catalog_into(store, sandbox_url: str | None) -> int:
    """demo/dev: import the configured catalog; the local sandbox's sites are vouched ready (their
    behaviour is known), any other directory waits for its probe (`dirbolt directories probe`)."""
    from dirbolt_core.catalog import load_sandbox_catalog

    settings = get_settings()
    report, vouched = load_sandbox_catalog(store, settings.catalog_path, sandbox_url=sandbox_url, actor="cli:load")
    counts = report.counts
    if counts["refused"]:
        console.print(f"[yellow]catalog: {counts['refused']} rows refused (see `dirbolt directories import "
                      f"{settings.catalog_path} --dry-run`)[/yellow]")
    if vouched:
        console.print(f"catalog: {len(vouched)} sandbox directories vouched ready without a probe")
    return len(report.rows) - counts["refused"]


def _plannable_count(store) -> int:
    """How many directories a plan could use now (ready, or login-required with credentials)."""
    from dirbolt_core.db.directories import DirectoryRepository
    from dirbolt_core.directories.credentials import CredentialStore
    from dirbolt_core.directories.readiness import plan_directories

    states = DirectoryRepository(store).states()
    return plan_directories(states, len(states), credential_ids=CredentialStore.from_settings().ids()).usable


def _create_and_enqueue(store, queue, *, profile: dict, priority: Priority, package_size: int,
                        customer_id: str, job_id: uuid.UUID | None = None) -> uuid.UUID:
    job_id = job_id or uuid.uuid4()
    store.create_job(job_id=job_id, customer_id=customer_id, package_size=package_size, priority=priority,
                     business_data=profile)
    queue.send({"job_id": str(job_id), "customer_id": customer_id, "package_size": package_size,
                "priority": priority.value})
    return job_id


@app.command()
def enqueue(
    profile: Annotated[Path | None, typer.Option(help="business profile JSON (default: the sample business)")] = None,
    priority: Priority = Priority.STARTER,
    package_size: Annotated[int | None, typer.Option(help="directories to submit to")] = None,
    customer_id: str = "demo-customer",
) -> None:
    """Store a job for a business and put its message on the jobs queue."""
    from dirbolt_core.db.store import Store
    from dirbolt_core.models import BusinessProfile
    from dirbolt_core.queue.sqs import JobQueue
    from dirbolt_core.sample import SAMPLE_PROFILE

    settings = get_settings()
    data = BusinessProfile.model_validate_json(profile.read_text()) if profile else SAMPLE_PROFILE
    with Store(_database_url()) as store:
        queue = JobQueue(endpoint_url=settings.sqs_endpoint_url, region=settings.aws_region,
                         queue_name=settings.sqs_queue_name, dlq_name=settings.sqs_dlq_name)
        job_id = _create_and_enqueue(store, queue, profile=data.model_dump(mode="json"), priority=priority,
                                     package_size=package_size or priority.default_package_size,
                                     customer_id=customer_id)
    console.print(f"enqueued job [bold]{job_id}[/bold]")


def results_table(store, job_id: uuid.UUID) -> Table:
    job = store.job(job_id)
    title = f"Job {job_id} — {job.priority.value if job else '?'}, status {job.status if job else '?'}"
    caption = None
    if job is not None and job.short_by:
        title += f" — SHORT BY {job.short_by}"
        caption = (f"[bold red]package of {job.package_size} directories, only {job.package_size - job.short_by} "
                   f"could be planned: short by {job.short_by}[/bold red] (`dirbolt directories list` says why)")
    table = Table(title=title, caption=caption)
    for col in ("directory", "status", "reason", "listing URL", "attempts", "proof"):
        table.add_column(col, overflow="fold")
    for r in store.results(job_id):
        style = STATUS_STYLE.get(r.status.value, "")
        proof = "screenshot + html" if r.screenshot_uri and r.html_uri else ""
        table.add_row(r.directory_id, f"[{style}]{r.status.value}[/{style}]", (r.reason or "")[:90],
                      r.listing_url or "", str(r.attempts), proof)
    return table


@app.command()
def results(job_id: uuid.UUID) -> None:
    """Print a job's per-directory results."""
    from dirbolt_core.db.store import Store

    with Store(_database_url()) as store:
        console.print(results_table(store, job_id))


@app.command("try")
def try_command(
    url: str,
    profile: Annotated[Path, typer.Option(help="business profile JSON")],
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object on stdout")] = False,
    dry_run: Annotated[bool, typer.Option(help="fill the form but do not press the final submit")] = False,
) -> None:
    """Map, fill and (unless --dry-run) submit one form; print the outcome and which key went where."""
    import asyncio

    from dirbolt_core.brain.factory import build_brain
    from dirbolt_core.models import BusinessProfile
    from dirbolt_core.runner.adhoc import try_form
    from dirbolt_core.runner.browser import BrowserOptions
    from dirbolt_core.runner.guard import BlockedUrl

    settings = get_settings()
    data = BusinessProfile.model_validate_json(profile.read_text())
    database_url = settings.database_url.get_secret_value() if settings.database_url else None
    try:
        outcome = asyncio.run(try_form(
            url, data, brain=build_brain(database_url), dry_run=dry_run, production=settings.env == "production",
            options=BrowserOptions(chromium_path=settings.chromium_path, headless=settings.headless,
                                   step_timeout_ms=settings.step_timeout_ms,
                                   navigation_timeout_ms=settings.navigation_timeout_ms)))
    except BlockedUrl as exc:
        console.print(f"[red]refused: {exc}[/red]")
        raise typer.Exit(2) from None
    if as_json:
        print(json.dumps(outcome, ensure_ascii=False))
        return
    console.print(f"{outcome['status']} ({outcome['confidence']:.2f}): {outcome['reason']}")
    table = Table("field", "key", "strategy", "value")
    for f in outcome["fields"]:
        table.add_row(f["name"] or f["id"] or "", f["key"], f["strategy"], f["value"] or "")
    console.print(table)


@app.command("run-job")
def run_job(job_id: uuid.UUID) -> None:
    """Plan and submit one job in this process, without Dagster (debugging, or a plain worker)."""
    import asyncio

    from dirbolt_core.artifacts import artifact_store_from_uri
    from dirbolt_core.brain.factory import build_brain
    from dirbolt_core.db.store import Store
    from dirbolt_core.jobs import RunContext, plan_job, run_submissions
    from dirbolt_core.runner.browser import BrowserOptions

    settings = get_settings()
    dsn = _database_url()
    with Store(dsn) as store:
        plan = plan_job(store, job_id, actor="cli:run-job")
        ctx = RunContext(
            artifacts=artifact_store_from_uri(settings.resolved_artifacts_uri(),
                                              s3_endpoint_url=settings.s3_endpoint_url),
            brain=build_brain(dsn),
            browser=BrowserOptions(chromium_path=settings.chromium_path, headless=settings.headless,
                                   step_timeout_ms=settings.step_timeout_ms,
                                   navigation_timeout_ms=settings.navigation_timeout_ms),
            production=settings.env == "production", run_id=f"cli-{uuid.uuid4().hex[:8]}",
            heartbeat_s=settings.heartbeat_seconds, step_timeout_ms=settings.step_timeout_ms)
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console) as progress:
            task = progress.add_task("submitting", total=len(plan.directory_ids))

            def on_progress(done: int, total: int, report) -> None:
                progress.update(task, completed=done,
                                description=f"{report.directory_id}: {report.status.value}")

            asyncio.run(run_submissions(store, job_id, ctx, on_progress=on_progress))
        console.print(results_table(store, job_id))


def _wait_for_job(store, job_id: uuid.UUID, daemon: subprocess.Popen, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as progress:
        task = progress.add_task("waiting for the sensor to pick up the job", total=None)
        while time.monotonic() < deadline:
            job = store.job(job_id)
            rows = store.results(job_id)
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


@app.command()
def demo(
    priority: Priority = Priority.ENTERPRISE,
    package_size: Annotated[int | None, typer.Option(
        help="directories to submit to (default: every directory the catalog can plan)")] = None,
    timeout: Annotated[float, typer.Option(help="seconds to wait for the job")] = 900,
) -> None:
    """The main job end to end: embedded parts, SQS, the sensor, a Dagster run, real browser submissions."""
    from dirbolt_core.db.migrations import apply_migrations
    from dirbolt_core.db.store import Store
    from dirbolt_core.localenv import local_environment
    from dirbolt_core.queue.sqs import JobQueue
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
        with Store(local.database_url) as store, open(log_path, "ab") as log:
            count = _load_catalog_into(store, local.sandbox_url)
            console.print(f"catalog: {count} directories")
            if package_size is None:
                package_size = max(1, _plannable_count(store))
            queue = JobQueue(endpoint_url=local.sqs_endpoint_url, region=settings.aws_region,
                             queue_name=settings.sqs_queue_name, dlq_name=settings.sqs_dlq_name)
            queue.ensure()
            daemon = subprocess.Popen(
                [str(Path(sys.executable).with_name("dagster-daemon")), "run", "-w", str(REPO_ROOT / "workspace.yaml")],
                env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
            try:
                job_id = _create_and_enqueue(store, queue, profile=SAMPLE_PROFILE.model_dump(mode="json"),
                                             priority=priority, package_size=package_size,
                                             customer_id="demo-customer")
                console.print(f"enqueued job [bold]{job_id}[/bold] ({priority.value}, {package_size} directories) "
                              f"on {queue.queue_name}; Dagster daemon log: {log_path}")
                finished = _wait_for_job(store, job_id, daemon, timeout)
                console.print(results_table(store, job_id))
                counts: dict[str, int] = {}
                for r in store.results(job_id):
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


@app.command()
def dev(port: int = 3000) -> None:
    """The embedded parts plus the Dagster UI and daemon (`dagster dev`)."""
    from dirbolt_core.db.migrations import apply_migrations
    from dirbolt_core.db.store import Store
    from dirbolt_core.localenv import local_environment

    settings = get_settings()
    with local_environment(settings) as local:
        apply_migrations(local.database_url)
        with Store(local.database_url) as store:
            _load_catalog_into(store, local.sandbox_url)
        for part in local.started:
            console.print(f"started {part}")
        env = local.env()
        console.print(f"Dagster UI on http://127.0.0.1:{port}/ (DAGSTER_HOME={local.dagster_home})")
        console.print("export these to use `dirbolt enqueue` from another shell:")
        for key in ("DIRBOLT_DATABASE_URL", "DIRBOLT_SQS_ENDPOINT_URL", "DIRBOLT_SANDBOX_URL"):
            if key in env:
                # A configured database URL may carry a password: never print it.
                console.print(f"  export {key}='{redact_env_value(key, env[key])}'")
        subprocess.run([str(Path(sys.executable).with_name("dagster")), "dev", "-w",
                        str(REPO_ROOT / "workspace.yaml"), "-p", str(port)], env=env, cwd=REPO_ROOT, check=False)


migration_app = typer.Typer(help="Migration from the legacy poller: phase, gates, routing, cutover.",
                            no_args_is_help=True)
app.add_typer(migration_app, name="migration")


def _print_migration_status(store) -> bool:
    from dirbolt_core.migration.gates import migration_status

    status = migration_status(store)
    console.print(f"phase: [bold]{status.phase}[/bold] (routing {status.settings.routing_percent}% live, "
                  f"legacy comparison {'on' if status.settings.legacy_comparison else 'off'})")
    table = Table(title="migration gates (last 7 days)")
    for col in ("gate", "figure", "threshold", "met", "detail"):
        table.add_column(col)
    for g in status.gates:
        figure = "n/a" if g.figure is None else (f"{g.figure:.1%}" if g.higher_is_better else f"{g.figure:.1f}s")
        threshold = f"> {g.threshold:.0%}" if g.higher_is_better else f"< {g.threshold:.0f}s"
        table.add_row(g.name, figure, threshold, "[green]yes[/green]" if g.met else "[red]no[/red]", g.detail)
    console.print(table)
    if status.next_phase is None:
        console.print("next phase: none (cut over)")
    elif status.ready_for_next:
        console.print(f"next phase: {status.next_phase} — every gate is met")
    else:
        console.print(f"next phase: {status.next_phase} — blocked by:")
        for blocker in status.blockers:
            console.print(f"  - {blocker}")
    return status.ready_for_next


@migration_app.command("status")
def migration_status_command() -> None:
    """Print the current phase, each gate's figure and whether it is met, and what blocks the next phase."""
    from dirbolt_core.db.store import Store

    with Store(_database_url()) as store:
        _print_migration_status(store)


@migration_app.command("route")
def migration_route(percent: Annotated[int, typer.Argument(help="share of new jobs that run live: 0, 10, 50, 100")],
                    force: Annotated[bool, typer.Option(help="advance even when gates are not met")] = False
                    ) -> None:
    """Set live routing for new jobs (jobs already planned keep their mode)."""
    from dirbolt_core.db.store import Store
    from dirbolt_core.migration.gates import migration_status
    from dirbolt_core.migration.routing import PHASES

    if percent not in PHASES:
        console.print(f"[red]routing must be one of {PHASES}[/red]")
        raise typer.Exit(2)
    with Store(_database_url()) as store:
        current = store.rollout_settings().routing_percent
        if percent > current and not force and migration_status(store).blockers:
            _print_migration_status(store)
            console.print("[red]refusing to advance while gates are not met (use --force to override)[/red]")
            raise typer.Exit(1)
        settings = store.set_rollout(actor="cli:migration route", routing_percent=percent)
    console.print(f"routing set: {settings.routing_percent}% of new jobs run live ({settings.phase})")


@migration_app.command("cutover")
def migration_cutover(force: bool = False) -> None:
    """Route every new job live and stop comparing with the legacy system."""
    from dirbolt_core.db.store import Store
    from dirbolt_core.migration.gates import migration_status

    with Store(_database_url()) as store:
        if not force and migration_status(store).blockers:
            _print_migration_status(store)
            console.print("[red]refusing to cut over while gates are not met (use --force to override)[/red]")
            raise typer.Exit(1)
        settings = store.set_rollout(actor="cli:migration cutover", routing_percent=100, legacy_comparison=False)
    console.print(f"cut over: {settings.phase}; jobs already planned finish in the mode they started in")


@migration_app.command("rollback")
def migration_rollback() -> None:
    """Route new jobs back to shadow (0% live) and compare with the legacy system again."""
    from dirbolt_core.db.store import Store

    with Store(_database_url()) as store:
        settings = store.set_rollout(actor="cli:migration rollback", routing_percent=0, legacy_comparison=True)
    console.print(f"rolled back: {settings.phase}; jobs already planned finish in the mode they started in")


@app.callback()
def _configure(ctx: typer.Context) -> None:
    # Here, not at import: Typer installs its own excepthook when the app starts, and its
    # traceback printer would show customer data unredacted.
    from dirbolt_core.logs import configure_logging

    configure_logging(json=not sys.stderr.isatty())


def _register_command_groups() -> None:
    from dirbolt_core.brain.cli import register as register_brain
    from dirbolt_core.directories.cli import register as register_directories
    from dirbolt_core.reports.cli import register as register_reports

    register_brain(app)
    register_reports(app)
    register_directories(app)


_register_command_groups()


def main() -> None:
    os.environ.setdefault("CREWAI_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("OTEL_SDK_DISABLED", "true")
    app()


if __name__ == "__main__":
    main()
