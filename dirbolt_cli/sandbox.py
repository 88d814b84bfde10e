"""`sandbox`: serve the sandbox directory network (also `python -m dirbolt_sandbox`)."""

from __future__ import annotations

from typing import Annotated

import typer

from dirbolt_cli.console import console


def sandbox(
    port: int = 8710,
    seed: int = 7,
    host: str = "127.0.0.1",
    mirrors: Annotated[int, typer.Option(min=1, help="serve every site N times as distinct directories "
                                                      "(listed by /_admin/catalog.json)")] = 1,
    write_catalog: Annotated[bool, typer.Option(help="regenerate catalog.json from the site classes and exit")
                             ] = False,
    cdn_url: Annotated[str | None, typer.Option(help="the second origin (CDN, widget host) when the other host "
                                                     "name of this server (127.0.0.1 / localhost) does not reach it")
                       ] = None,
    list_sites: Annotated[bool, typer.Option("--list", help="print every site, its behaviours and expected status")
                          ] = False,
    smtp: Annotated[str | None, typer.Option(help="HOST:PORT of an SMTP server: also serve the confirmation-mail "
                                                  "sites, which send their mails there")] = None,
    followup: Annotated[bool, typer.Option(help="also serve the sites that publish listings after a review delay "
                                                "(sandbox clock: /_admin/clock)")] = False,
) -> None:
    """Serve the sandbox directory network."""
    from dirbolt_sandbox.app import CATALOG_PATH, catalog_json, create_app
    from dirbolt_sandbox.sites import SITE_CLASSES

    if list_sites:
        for cls in SITE_CLASSES:
            flags = "".join(f" [{f}]" for f, on in (("requires_login", cls.requires_login),
                                                   ("has_captcha", cls.has_captcha)) if on)
            print(f"{cls.id:18} {cls.expected_status:12} {cls.name}{flags}\n{'':31}{', '.join(cls.behaviours)}")
        return
    if write_catalog:
        CATALOG_PATH.write_text(catalog_json(), encoding="utf-8")
        print(f"wrote {CATALOG_PATH}")
        return
    import uvicorn

    console.print(f"sandbox directory network on http://{host}:{port}/")
    target = None
    if smtp:
        smtp_host, _, smtp_port = smtp.rpartition(":")
        target = (smtp_host or "127.0.0.1", int(smtp_port))
    uvicorn.run(create_app(seed=seed, mirrors=mirrors, smtp=target, followup=followup,
                           cdn_url=cdn_url), host=host, port=port,
                log_level="warning")


def register(app: typer.Typer) -> None:
    app.command()(sandbox)
