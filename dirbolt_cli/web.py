"""`web`: the operator web app (proof and reports over HTTP; dirbolt_core/web)."""

from __future__ import annotations

from typing import Annotated

import typer

from dirbolt_core.settings import get_settings


def web(
    port: Annotated[int | None, typer.Option(help="port (default DIRBOLT_WEB_PORT, 8720)")] = None,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
) -> None:
    """Serve proof, final HTML, customer reports and the manual work queue over HTTP (token outside dev)."""
    import uvicorn

    from dirbolt_core.web.app import WebConfigError, operator_app

    settings = get_settings()
    try:
        app = operator_app(settings)
    except WebConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from None
    uvicorn.run(app, host=host, port=port or settings.web_port, log_level="warning")


def register(app: typer.Typer) -> None:
    app.command()(web)
