"""`dirbolt`: one Typer app; each concern's commands live in their own module and are registered here.

A new command goes in its own module with a `register(app)`, added to COMMAND_MODULES. Command
modules import what they need inside each command: `dirbolt --help` stays fast.
"""

from __future__ import annotations

import sys

import typer

from dirbolt_cli import brain, directories, forms, jobs, mail, manual, migration, platform, reports, sandbox, web
from dirbolt_core.settings import quiet_third_party_telemetry

app = typer.Typer(help="dirbolt: directory submissions on Dagster.", no_args_is_help=True,
                  pretty_exceptions_show_locals=False)

COMMAND_MODULES = (
    platform,   # migrate, demo, dev
    jobs,       # enqueue, rerun, run-job, results
    forms,      # try, map-form
    brain,      # brain-serve
    reports,    # report
    migration,  # migration status | route | cutover | rollback
    sandbox,    # sandbox
    directories,  # directories import | list | enable | disable | vouch | probe
    manual,     # manual list | resolve
    mail,       # mail serve | verify
    web,        # web (the operator web app)
)


@app.callback()
def _configure(ctx: typer.Context) -> None:
    # Here, not at import: Typer installs its own excepthook when the app starts, and its
    # traceback printer would show customer data unredacted.
    from dirbolt_core.logs import configure_logging

    configure_logging(json=not sys.stderr.isatty())


for _module in COMMAND_MODULES:
    _module.register(app)


def main() -> None:
    quiet_third_party_telemetry()
    app()


if __name__ == "__main__":
    main()
