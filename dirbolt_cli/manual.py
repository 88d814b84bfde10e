"""The manual work queue: `manual list` what waits for a person, `manual resolve` what they did (once)."""

from __future__ import annotations

import json
import uuid
from typing import Annotated

import typer

from dirbolt_cli.console import console
from dirbolt_core.settings import get_settings

manual_app = typer.Typer(help="The manual work queue: rows a person must act on (captcha, login, unknown outcome).",
                         no_args_is_help=True)


def _age(seconds: float) -> str:
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


@manual_app.command("list")
def list_command(
    job: Annotated[uuid.UUID | None, typer.Option("--job", help="only this job's rows")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per row")] = False,
    database_url: Annotated[str | None, typer.Option(help="system of record (default: DIRBOLT_DATABASE_URL)")] = None,
) -> None:
    """Rows waiting for a person, oldest first: reason, directory, where to submit, proof, values to paste, age."""
    from rich.table import Table

    from dirbolt_core import composition

    with composition.open_store(get_settings(), dsn=database_url, max_size=2) as store:
        items = store.manual.list(job)
    if as_json:
        for item in items:
            print(item.model_dump_json())
        return
    if not items:
        console.print("the manual queue is empty")
        return
    table = Table(title=f"Manual queue: {len(items)} row(s)", show_lines=True)
    for column in ("job / directory", "reason", "submission URL", "proof", "values to paste", "age"):
        table.add_column(column, overflow="fold")
    for item in items:
        reason = item.reason or ""
        if item.unknown_outcome and item.submit_pressed_at:
            reason += f"\n[bold]submit pressed at {item.submit_pressed_at:%Y-%m-%d %H:%M:%S UTC}[/bold]"
        values = "\n".join(f"{k}: {v}" for k, v in item.profile.items())
        proof = "\n".join(u for u in (item.screenshot_uri, item.html_uri, item.evidence.get("verification_mail"))
                          if u) or "none"
        table.add_row(f"{item.job_id}\n{item.directory_id}", reason, item.submission_url or "", proof, values,
                      _age(item.age_s))
    console.print(table)


@manual_app.command("resolve")
def resolve_command(
    job_id: Annotated[uuid.UUID, typer.Argument(metavar="JOB")],
    directory_id: Annotated[str, typer.Argument(metavar="DIRECTORY")],
    status: Annotated[str, typer.Option("--status", help="submitted | approved | rejected | skipped")],
    by: Annotated[str, typer.Option("--by", help="who did it (kept in the audit trail)")],
    note: Annotated[str | None, typer.Option("--note", help="what was done")] = None,
    listing_url: Annotated[str | None, typer.Option("--listing-url", help="the live listing, if any")] = None,
    database_url: Annotated[str | None, typer.Option(help="system of record (default: DIRBOLT_DATABASE_URL)")] = None,
) -> None:
    """Record what a person did about a row: once (a second resolution of the same row is refused)."""
    from dirbolt_core import composition
    from dirbolt_core.db.manual import NotInQueueError

    with composition.open_store(get_settings(), dsn=database_url, max_size=2) as store:
        try:
            resolution = store.manual.resolve(job_id, directory_id, status=status, by=by, note=note,
                                              listing_url=listing_url)
        except (NotInQueueError, ValueError) as exc:
            console.print(f"[red]refused: {exc}[/red]", soft_wrap=True)
            raise typer.Exit(1) from None
    console.print(json.dumps(resolution.model_dump(mode="json")), soft_wrap=True, highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(manual_app, name="manual")
