"""Customer jobs: `enqueue` one, `run-job` one without Dagster, print its `results`."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Annotated

import typer

from dirbolt_cli.console import console, progress_bar, proof_lines, results_table
from dirbolt_core.settings import get_settings
from dirbolt_core.vocabulary import Priority


def enqueue(
    profile: Annotated[Path | None, typer.Option(help="business profile JSON (default: the sample business)")] = None,
    priority: Priority = Priority.STARTER,
    package_size: Annotated[int | None, typer.Option(help="directories to submit to")] = None,
    customer_id: str = "demo-customer",
) -> None:
    """Store a job for a business and put its message on the jobs queue."""
    from dirbolt_core import composition
    from dirbolt_core.db.legacy import LegacyConstraintError
    from dirbolt_core.jobs import enqueue_job
    from dirbolt_core.models import BusinessProfile
    from dirbolt_core.sample import SAMPLE_PROFILE

    settings = get_settings()
    data = BusinessProfile.model_validate_json(profile.read_text()) if profile else SAMPLE_PROFILE
    with composition.open_store(settings) as store:
        try:
            job_id, relayed = enqueue_job(store, composition.job_queue(settings),
                                          profile=data.model_dump(mode="json"), priority=priority,
                                          package_size=package_size or priority.default_package_size,
                                          customer_id=customer_id)
        except LegacyConstraintError as exc:
            console.print(f"[red]not enqueued: {exc}[/red]")
            raise typer.Exit(1) from None
    if relayed.error:
        # The job and its message are stored together (the outbox): nothing is lost, the sensor's
        # next tick (or the next enqueue) sends it. One line, no traceback.
        console.print(f"[red]job {job_id} stored, its message not sent yet: the queue cannot be reached "
                      f"({relayed.error}); it stays in the outbox and is sent by the SQS sensor's next tick "
                      f"or the next `dirbolt enqueue`[/red]", soft_wrap=True)
        raise typer.Exit(1)
    console.print(f"enqueued job [bold]{job_id}[/bold]")


def results(job_id: uuid.UUID) -> None:
    """Print a job's per-directory results, with where each proof is (a path, or a URL)."""
    from dirbolt_core import composition
    from dirbolt_core.web.links import ArtifactLinks

    settings = get_settings()
    links = ArtifactLinks.from_settings(settings, composition.artifact_store(settings))
    with composition.open_store(settings) as store:
        console.print(results_table(store, job_id))
        proofs = proof_lines(store, job_id, links)
    if proofs:
        console.print("proof:")
        for line in proofs:
            console.print(f"  {line}", soft_wrap=True, highlight=False, markup=False)


def rerun(job_id: uuid.UUID) -> None:
    """Put a cancelled (or failed) job back in the queue: the SQS sensor requests a new run for it, which
    submits only its unfinished directories."""
    from dirbolt_core import composition

    with composition.open_store(get_settings()) as store:
        job = store.jobs.get(job_id)
        key = store.jobs.requeue(job_id, actor="cli:rerun") if job is not None else None
    if job is None:
        console.print(f"[red]no job {job_id}[/red]")
        raise typer.Exit(1)
    if key is None:
        console.print(f"[red]job {job_id} is {job.status.value}: only a cancelled or failed job is rerun[/red]")
        raise typer.Exit(1)
    console.print(f"job [bold]{job_id}[/bold] queued again (run key {key}): the SQS sensor requests its run, "
                  "which submits only the directories not finished yet")


def run_job(job_id: uuid.UUID) -> None:
    """Plan and submit one job in this process, without Dagster (debugging, or a plain worker)."""
    from dirbolt_core import composition
    from dirbolt_core.jobs import plan_job, run_submissions

    settings = get_settings()
    with composition.open_store(settings) as store:
        run_id = f"cli-{uuid.uuid4().hex[:8]}"
        plan = plan_job(store, job_id, actor="cli:run-job", run_id=run_id)
        ctx = composition.run_context(settings, store=store, run_id=run_id)
        with progress_bar() as progress:
            task = progress.add_task("submitting", total=len(plan.directory_ids))

            def on_progress(done: int, total: int, report) -> None:
                progress.update(task, completed=done,
                                description=f"{report.directory_id}: {report.status.value}")

            asyncio.run(run_submissions(store, job_id, ctx, on_progress=on_progress))
        console.print(results_table(store, job_id))


def register(app: typer.Typer) -> None:
    app.command()(enqueue)
    app.command()(results)
    app.command()(rerun)
    app.command("run-job")(run_job)
