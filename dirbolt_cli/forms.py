"""One form at a time: `try` (map, fill and submit one form) and `map-form` (the brain's mapping of pages)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from dirbolt_cli.console import console
from dirbolt_core.settings import get_settings


def try_command(
    url: str,
    profile: Annotated[Path, typer.Option(help="business profile JSON")],
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object on stdout")] = False,
    dry_run: Annotated[bool, typer.Option(help="fill the form but do not press the final submit")] = False,
) -> None:
    """Map, fill and (unless --dry-run) submit one form; print the outcome and which key went where."""
    from dirbolt_core import composition
    from dirbolt_core.models import BusinessProfile
    from dirbolt_core.runner.adhoc import try_form
    from dirbolt_core.runner.guard import BlockedUrl

    settings = get_settings()
    data = BusinessProfile.model_validate_json(profile.read_text())
    with contextlib.ExitStack() as stack:
        # Learned mappings only from a configured system of record: `try` never starts the embedded one.
        store = (stack.enter_context(composition.open_store(settings, max_size=2))
                 if settings.database_url is not None else None)
        try:
            outcome = asyncio.run(try_form(
                url, data, brain=composition.build_brain(settings, store=store), dry_run=dry_run,
                production=settings.production, options=composition.browser_options(settings)))
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
    if outcome["blocked_requests"]:
        console.print(f"blocked by the network policy ({len(outcome['blocked_requests'])}):")
        for item in outcome["blocked_requests"]:
            console.print(f"  {item['url']}  ({item['reason']})", markup=False, highlight=False)


def map_form_command(
    sources: list[str] = typer.Argument(..., metavar="PATH_OR_URL...", help="saved HTML files and/or http(s) URLs"),
    json_output: bool = typer.Option(False, "--json", help="one JSON line per input"),
    browser: bool = typer.Option(True, "--browser/--no-browser",
                                 help="open URLs in Chromium (default) or fetch them with httpx"),
    timeout: float = typer.Option(20.0, "--timeout", help="seconds per URL"),
) -> None:
    """Map the forms of saved pages or live URLs to the profile vocabulary (no LLM, no submit)."""
    from dirbolt_core.brain.mapper import FormBrain
    from dirbolt_core.runner.sources import map_sources

    results = asyncio.run(map_sources(list(sources), brain=FormBrain(), browser=browser, timeout_s=timeout,
                                      chromium_path=get_settings().chromium_path))
    failed = False
    for result in results:
        failed |= "error" in result
        if json_output:
            sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        else:
            _print_human(result)
    sys.stdout.flush()
    if failed:
        raise typer.Exit(code=1)


def _print_human(result: dict[str, Any]) -> None:
    typer.echo(result["source"])
    if "error" in result:
        typer.echo(f"  error: {result['error']}")
        return
    if not result["forms"]:
        typer.echo("  no forms")
    for form in result["forms"]:
        where = f" (frame {form['frame']})" if form.get("frame") else ""
        typer.echo(f"  form {form['index']}{where} signature {form['signature']}")
        for f in form["fields"]:
            typer.echo(f"    {str(f['name'])[:40]:40} {f['key']:22} {f['confidence']:.2f} {f['strategy']}")


def register(app: typer.Typer) -> None:
    app.command("try")(try_command)
    app.command("map-form")(map_form_command)
