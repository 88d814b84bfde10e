"""`migration status | route | cutover | rollback`: the migration from the legacy poller."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from dirbolt_cli.console import console
from dirbolt_core.settings import get_settings

migration_app = typer.Typer(help="Migration from the legacy poller: phase, gates, routing, cutover.",
                            no_args_is_help=True)


def _open_store():
    from dirbolt_core import composition

    return composition.open_store(get_settings())


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
    with _open_store() as store:
        _print_migration_status(store)


@migration_app.command("route")
def migration_route(percent: Annotated[int, typer.Argument(help="share of new jobs that run live: 0, 10, 50, 100")],
                    force: Annotated[bool, typer.Option(help="advance even when gates are not met")] = False
                    ) -> None:
    """Set live routing for new jobs (jobs already planned keep their mode)."""
    from dirbolt_core.migration.gates import migration_status
    from dirbolt_core.migration.routing import PHASES

    if percent not in PHASES:
        console.print(f"[red]routing must be one of {PHASES}[/red]")
        raise typer.Exit(2)
    with _open_store() as store:
        current = store.rollout.settings().routing_percent
        if percent > current and not force and migration_status(store).blockers:
            _print_migration_status(store)
            console.print("[red]refusing to advance while gates are not met (use --force to override)[/red]")
            raise typer.Exit(1)
        settings = store.rollout.set(actor="cli:migration route", routing_percent=percent)
    console.print(f"routing set: {settings.routing_percent}% of new jobs run live ({settings.phase})")


@migration_app.command("cutover")
def migration_cutover(force: bool = False) -> None:
    """Route every new job live and stop comparing with the legacy system."""
    from dirbolt_core.migration.gates import migration_status

    with _open_store() as store:
        if not force and migration_status(store).blockers:
            _print_migration_status(store)
            console.print("[red]refusing to cut over while gates are not met (use --force to override)[/red]")
            raise typer.Exit(1)
        settings = store.rollout.set(actor="cli:migration cutover", routing_percent=100, legacy_comparison=False)
    console.print(f"cut over: {settings.phase}; jobs already planned finish in the mode they started in")


@migration_app.command("rollback")
def migration_rollback() -> None:
    """Route new jobs back to shadow (0% live) and compare with the legacy system again."""
    with _open_store() as store:
        settings = store.rollout.set(actor="cli:migration rollback", routing_percent=0, legacy_comparison=True)
    console.print(f"rolled back: {settings.phase}; jobs already planned finish in the mode they started in")


def register(app: typer.Typer) -> None:
    app.add_typer(migration_app, name="migration")
