"""`dirbolt directories ...`: import a catalog, list with readiness, enable/disable, probe, vouch."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from dirbolt_cli.console import console
from dirbolt_core.directories.importer import CatalogFormat
from dirbolt_core.settings import get_settings
from dirbolt_core.vocabulary import Readiness

directories_app = typer.Typer(help="The directory catalog: import, readiness (probe), enable/disable.",
                              no_args_is_help=True)

READINESS_STYLE = {"ready": "green", "needs_review": "yellow", "login_required": "cyan", "captcha": "magenta",
                   "no_form": "red", "unreachable": "bold red", "unprobed": "dim"}
ACTION_STYLE = {"imported": "green", "updated": "cyan", "unchanged": "dim", "refused": "red"}


def register(app: typer.Typer) -> None:
    app.add_typer(directories_app, name="directories")


def _store():
    from dirbolt_core import composition

    return composition.open_store(get_settings(), max_size=4)


@directories_app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="catalog file (dirbolt JSON, legacy JSON, or CSV)")],
    fmt: Annotated[CatalogFormat, typer.Option("--format", help="file format (auto: by content)")
                   ] = CatalogFormat.AUTO,
    dry_run: Annotated[bool, typer.Option(help="say what would change, change nothing")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="the per-row report as JSON")] = False,
    strict: Annotated[bool, typer.Option(help="exit 1 when any row is refused")] = False,
) -> None:
    """Upsert a catalog file (idempotent) and report each row: imported, updated, unchanged or refused."""
    from dirbolt_core.catalog import CatalogError, import_catalog

    if not path.is_file():
        console.print(f"[red]no such file: {path}[/red]")
        raise typer.Exit(2)
    with _store() as store:
        try:
            report = import_catalog(store, path, fmt, dry_run=dry_run, actor="cli:directories import",
                                    sandbox_url=get_settings().sandbox_url)
        except CatalogError as exc:
            console.print(f"[red]cannot import: {exc}[/red]")
            raise typer.Exit(2) from None
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, default=str))
    else:
        table = Table(title=f"{path.name} ({report.format}{', dry run: nothing written' if dry_run else ''})")
        for col in ("row", "directory", "action", "detail"):
            table.add_column(col, overflow="fold")
        for r in report.rows:
            style = ACTION_STYLE[r.action]
            detail = r.reason or (", ".join(r.changed) if r.changed else "")
            if r.warnings:
                detail = "; ".join(filter(None, [detail, *r.warnings]))
            table.add_row(str(r.row), r.directory_id, f"[{style}]{r.action}[/{style}]", detail)
        console.print(table)
        console.print(" ".join(f"{k}: {v}" for k, v in report.counts.items()))
    if strict and report.counts["refused"]:
        raise typer.Exit(1)


def _listing(states, credential_ids) -> list[dict[str, Any]]:
    from dirbolt_core.directories.readiness import plan_exclusion

    out = []
    for s in states:
        excluded = plan_exclusion(s, has_credentials=s.id in credential_ids)
        probe = s.probe
        out.append({
            "id": s.id, "name": s.directory.name, "tier": s.directory.tier,
            "submission_url": str(s.directory.submission_url), "active": s.active,
            "readiness": s.readiness.value, "readiness_reason": s.readiness_reason,
            "readiness_at": s.readiness_at.isoformat() if s.readiness_at else None,
            "planned": excluded is None, "excluded_reason": excluded,
            "has_credentials": s.id in credential_ids,
            "operator_enabled": s.operator_enabled, "operator_reason": s.operator_reason,
            "probe": None if probe is None else {
                "method": probe.method, "form_signature": probe.form_signature, "unmapped": probe.unmapped,
                "screenshot_uri": probe.screenshot_uri, "http_status": probe.http_status,
                "behind_login": probe.behind_login.value if probe.behind_login else None},
        })
    return out


@directories_app.command("list")
def list_command(
    as_json: Annotated[bool, typer.Option("--json", help="one JSON array on stdout")] = False,
    readiness: Annotated[Readiness | None, typer.Option(help="only directories with this readiness")] = None,
) -> None:
    """Every directory with its readiness, whether plans use it, and if not why not."""
    from dirbolt_core import composition

    credentials = composition.directory_credentials(get_settings())
    with _store() as store:
        states = store.directories.states(readiness=readiness)
    rows = _listing(states, credentials.ids())
    if as_json:
        print(json.dumps(rows, ensure_ascii=False))
        return
    if credentials.error:
        console.print(f"[red]credentials: {credentials.error}[/red]")
    table = Table(title=f"{len(rows)} directories")
    for col in ("directory", "tier", "readiness", "planned", "why (not)"):
        table.add_column(col, overflow="fold")
    for r in rows:
        style = READINESS_STYLE.get(r["readiness"], "")
        why = r["excluded_reason"] or (r["readiness_reason"] or "")
        table.add_row(r["id"], str(r["tier"]), f"[{style}]{r['readiness']}[/{style}]",
                      "[green]yes[/green]" if r["planned"] else "[red]no[/red]", why[:160])
    console.print(table)
    planned = sum(r["planned"] for r in rows)
    console.print(f"{planned} of {len(rows)} directories can be planned")


def _set_enabled(directory_id: str, enabled: bool, reason: str | None) -> None:
    with _store() as store:
        try:
            state = store.directories.set_enabled(directory_id, enabled, reason=reason, actor="cli:directories")
        except KeyError:
            console.print(f"[red]no directory {directory_id!r} in the catalog[/red]")
            raise typer.Exit(2) from None
    console.print(f"{state.id}: {'enabled' if enabled else 'disabled'}"
                  f"{f' ({reason})' if reason else ''}; readiness {state.readiness.value}")


@directories_app.command("enable")
def enable_command(directory_id: str,
                   reason: Annotated[str | None, typer.Option(help="why (kept with the directory)")] = None) -> None:
    """Enable a directory (overrides the catalog's isActive; re-imports keep it)."""
    _set_enabled(directory_id, True, reason)


@directories_app.command("disable")
def disable_command(directory_id: str,
                    reason: Annotated[str, typer.Option(help="why: shown by `directories list`")]) -> None:
    """Disable a directory: plans leave it out (re-imports keep it disabled)."""
    _set_enabled(directory_id, False, reason)


@directories_app.command("vouch")
def vouch_command(directory_ids: Annotated[list[str], typer.Argument(metavar="ID...")],
                  reason: Annotated[str, typer.Option(help="why it is ready (a person checked the mapping)")]) -> None:
    """Mark directories ready without a probe (after a person reviewed them); the next probe judges again."""
    with _store() as store:
        marked = store.directories.vouch(directory_ids, reason=reason, actor="cli:directories vouch", force=True)
    missing = sorted(set(directory_ids) - set(marked))
    console.print(f"vouched ready: {', '.join(marked) or 'none'}")
    if missing:
        console.print(f"[red]not in the catalog: {', '.join(missing)}[/red]")
        raise typer.Exit(2)


@directories_app.command("probe")
def probe_command(
    directory_ids: Annotated[list[str] | None, typer.Argument(metavar="[ID...]", help="directories to probe")] = None,
    all_: Annotated[bool, typer.Option("--all", help="every active directory")] = False,
    unprobed: Annotated[bool, typer.Option("--unprobed", help="active directories never probed")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON array on stdout")] = False,
    concurrency: Annotated[int | None, typer.Option(min=1, max=32, help="directories at a time")] = None,
) -> None:
    """Visit each submission page with the runner in dry run (never pressing submit) and record its readiness."""
    from dirbolt_core import composition
    from dirbolt_core.runner.probing import probe_directories

    if not (directory_ids or all_ or unprobed):
        console.print("[red]name directories to probe, or --all, or --unprobed[/red]")
        raise typer.Exit(2)
    settings = get_settings()
    with _store() as store:
        repository = store.directories
        if directory_ids:
            states = repository.states(ids=directory_ids)
            missing = sorted(set(directory_ids) - {s.id for s in states})
            if missing:
                console.print(f"[red]not in the catalog: {', '.join(missing)}[/red]")
                raise typer.Exit(2)
        elif unprobed and not all_:
            states = repository.states(ids=repository.due_for_probe())
        else:
            states = [s for s in repository.states() if s.active]
        run = composition.probe_run(settings, store=store, actor="cli:directories probe", concurrency=concurrency)

        def progress(done: int, total: int, directory, record) -> None:
            if not as_json:
                style = READINESS_STYLE.get(record.readiness.value, "")
                console.print(f"[{done}/{total}] {directory.id}: [{style}]{record.readiness.value}[/{style}] "
                              f"{record.reason[:140]}")

        records = asyncio.run(probe_directories(store, [s.directory for s in states], run, on_result=progress))
    if as_json:
        print(json.dumps([{"id": r.directory_id, "readiness": r.readiness.value, "reason": r.reason,
                           "form_signature": r.form_signature, "unmapped": r.unmapped, "mapping": r.mapping,
                           "http_status": r.http_status, "screenshot_uri": r.screenshot_uri}
                          for r in records], ensure_ascii=False))
        return
    counts: dict[str, int] = {}
    for r in records:
        counts[r.readiness.value] = counts.get(r.readiness.value, 0) + 1
    console.print("probed " + str(len(records)) + ": " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
