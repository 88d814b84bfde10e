"""E-mail verification: `mail serve` the local SMTP receiver, `mail verify` one verification round."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated

import typer

from dirbolt_cli.console import console
from dirbolt_core.settings import get_settings

mail_app = typer.Typer(help="Confirmation mails: the local mailbox and the verifier.", no_args_is_help=True)


@mail_app.command("serve")
def serve_command(
    port: Annotated[int | None, typer.Option(help="SMTP port (default: DIRBOLT_SMTP_PORT)")] = None,
) -> None:
    """The local SMTP receiver: stores every mail in DIRBOLT_MAILDIR (default DIRBOLT_HOME/mail)."""
    from dirbolt_core.mail.mailbox import LocalSmtpServer

    settings = get_settings()
    with LocalSmtpServer(settings.resolved_maildir(), host=settings.smtp_host,
                         port=port or settings.smtp_port) as server:
        console.print(f"SMTP on {server.host}:{server.port}, mail stored in {server.maildir}")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


@mail_app.command("verify")
def verify_command(
    database_url: Annotated[str | None, typer.Option(help="system of record (default: DIRBOLT_DATABASE_URL)")] = None,
) -> None:
    """One round: read new mail, open matching confirmation links, move rows on; time out old rows."""
    from dirbolt_core import composition
    from dirbolt_core.mail.verify import verify_round

    settings = get_settings()
    with composition.open_store(settings, dsn=database_url, max_size=2) as store:
        summary = asyncio.run(verify_round(
            store, composition.mailbox(settings), composition.artifact_store(settings),
            composition.browser_options(settings), timeout_h=settings.verification_timeout_h,
            production=settings.production))
    console.print(f"confirmed {len(summary.confirmed)}, to the manual queue {len(summary.to_manual)} "
                  f"(links refused {len(summary.refused_links)}), timed out {len(summary.timed_out)}, "
                  f"unmatched mails {summary.unmatched}")


def register(app: typer.Typer) -> None:
    app.add_typer(mail_app, name="mail")
