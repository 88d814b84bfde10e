"""`brain-serve`: the form brain as a service (FastAPI)."""

from __future__ import annotations

import typer

from dirbolt_core.settings import get_settings


def brain_serve_command(
    port: int = typer.Option(8088, "--port", help="port to listen on"),
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
    log_level: str = typer.Option("info", "--log-level"),
) -> None:
    """Run the brain service (needs DIRBOLT_BRAIN_API_KEY; DIRBOLT_LLM_MODEL + key turn the LLM on)."""
    from dirbolt_core.brain.service import serve
    from dirbolt_core.composition import brain_service

    try:
        app = brain_service(get_settings())
    except RuntimeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    serve(app, host=host, port=port, log_level=log_level)


def register(app: typer.Typer) -> None:
    app.command("brain-serve")(brain_serve_command)
