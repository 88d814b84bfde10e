"""`report`: write customer reports (HTML + CSV) into proof storage and say where."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated

import typer

from dirbolt_cli.console import console, progress_bar
from dirbolt_core.settings import get_settings


def _where(uri: str) -> str:
    return uri.removeprefix("file://") if uri.startswith("file://") else uri


def report_command(
    job_ids: Annotated[list[uuid.UUID] | None, typer.Argument(metavar="JOB_ID...", help="jobs to report")] = None,
    completed_since_days: Annotated[float | None, typer.Option(
        "--completed-since-days", help="instead of ids: every job completed in the last N days")] = None,
    out: Annotated[Path | None, typer.Option(help="also copy the HTML and CSV into this folder")] = None,
    database_url: Annotated[str | None, typer.Option(help="system of record (default: DIRBOLT_DATABASE_URL, "
                                                          "else the embedded one)")] = None,
    artifacts_uri: Annotated[str | None, typer.Option(help="proof storage (default: DIRBOLT_ARTIFACTS_URI)")] = None,
) -> None:
    """Write each job's customer report (self-contained HTML + CSV) to proof storage and print where."""
    from dirbolt_core import composition
    from dirbolt_core.reports.job_report import JobNotFoundError
    from dirbolt_core.reports.publish import write_job_report

    settings = get_settings()
    artifacts = composition.artifact_store(settings, uri=artifacts_uri)
    missing = 0
    with composition.open_store(settings, dsn=database_url, max_size=4) as store:
        ids = list(job_ids or [])
        if completed_since_days is not None:
            ids += store.jobs.completed_since(days=completed_since_days)
        if not ids:
            console.print("[yellow]no jobs to report[/yellow] (give JOB_IDs or --completed-since-days)")
            raise typer.Exit(2)
        written = []
        with progress_bar(transient=len(ids) == 1) as progress:
            jobs_task = progress.add_task("reports", total=len(ids))
            proofs_task = progress.add_task("proof thumbnails", total=None)
            for job_id in ids:
                progress.update(jobs_task, description=f"report {job_id}")
                progress.reset(proofs_task, total=None, description="proof thumbnails")

                def on_progress(done: int, total: int, directory_id: str) -> None:
                    progress.update(proofs_task, total=total, completed=done,
                                    description=f"proof thumbnails: {directory_id}")

                try:
                    written.append(write_job_report(store, job_id, artifacts, out_dir=out, on_progress=on_progress))
                except JobNotFoundError as exc:
                    missing += 1
                    progress.console.print(f"[red]{exc}[/red]")
                progress.advance(jobs_task)
    for stored in written:
        counts = ", ".join(f"{n} {status}" for status, n in stored.counts.items() if n)
        rate = f"{stored.success_rate:.0%}" if stored.success_rate is not None else "n/a"
        console.print(f"job [bold]{stored.job_id}[/bold]: {stored.rows} directories ({counts}); success {rate}")
        # Whole paths on one line each, whatever the terminal width: people copy them.
        console.print(f"  html: {_where(stored.html_uri)}", soft_wrap=True, highlight=False)
        console.print(f"  csv:  {_where(stored.csv_uri)}", soft_wrap=True, highlight=False)
        for path in stored.local_paths:
            console.print(f"  copy: {path}", soft_wrap=True, highlight=False)
    if missing:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("report")(report_command)
