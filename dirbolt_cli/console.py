"""What every command prints with: one console, the results table, the progress bar."""

from __future__ import annotations

import sys
import uuid
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    from dirbolt_core.db.store import Store
    from dirbolt_core.web.links import ArtifactLinks

# Wide enough for the results table when output is not a terminal (CI logs, pipes).
console = Console(width=None if sys.stdout.isatty() else 160)

STATUS_STYLE = {"submitted": "green", "approved": "bold green", "needs_manual": "yellow", "rejected": "red",
                "failed": "bold red", "skipped": "dim", "pending": "dim", "processing": "cyan",
                "pending_verification": "magenta", "nap_mismatch": "bold yellow"}


def progress_bar(*, transient: bool = False) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=transient)


def proof_location(uri: str | None, links: ArtifactLinks | None) -> str:
    """Where a proof is: a local file's path, else an HTTP URL (presigned S3, the operator web app)."""
    if not uri:
        return ""
    if uri.startswith("file://"):
        return uri.removeprefix("file://")
    return (links.url(uri) if links is not None else None) or uri


def proof_lines(store: Store, job_id: uuid.UUID, links: ArtifactLinks | None) -> list[str]:
    """One line per proof file of the job: directory, what, where (a path to open, or a URL)."""
    lines = []
    for r in store.submissions.results(job_id):
        for what, uri in (("screenshot", r.screenshot_uri), ("page", r.html_uri)):
            if uri:
                lines.append(f"{r.directory_id} {what}: {proof_location(uri, links)}")
    return lines


def results_table(store: Store, job_id: uuid.UUID) -> Table:
    job = store.jobs.get(job_id)
    title = f"Job {job_id} — {job.priority.value if job else '?'}, status {job.status if job else '?'}"
    caption = None
    if job is not None and job.short_by:
        title += f" — SHORT BY {job.short_by}"
        caption = (f"[bold red]package of {job.package_size} directories, only {job.package_size - job.short_by} "
                   f"could be planned: short by {job.short_by}[/bold red] (`dirbolt directories list` says why)")
    rows = store.submissions.results(job_id)
    waiting = sum(1 for r in rows if r.status.value == "pending_verification")
    if waiting:
        note = (f"{waiting} pending_verification: sent, waiting for the confirmation e-mail's link to be opened "
                "(neither a success nor a failure yet)")
        caption = f"{caption}\n{note}" if caption else note
    table = Table(title=title, caption=caption)
    for col in ("directory", "status", "reason", "listing URL", "attempts", "proof"):
        table.add_column(col, overflow="fold")
    for r in rows:
        style = STATUS_STYLE.get(r.status.value, "")
        proof = "screenshot + html" if r.screenshot_uri and r.html_uri else "screenshot" if r.screenshot_uri else ""
        table.add_row(r.directory_id, f"[{style}]{r.status.value}[/{style}]", (r.reason or "")[:90],
                      r.listing_url or "", str(r.attempts), proof)
    return table
