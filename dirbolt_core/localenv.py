"""The embedded defaults: start what is not configured, hand every child the same environment."""

from __future__ import annotations

import contextlib
import os
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dirbolt_core.db.embedded import start_embedded_postgres
from dirbolt_core.mail.mailbox import LocalSmtpServer
from dirbolt_core.redact import redact_env_value
from dirbolt_core.services import ManagedProcess, free_port, start_local_sqs, start_sandbox
from dirbolt_core.settings import REPO_ROOT, Settings, child_environment, export_defaults


@dataclass
class LocalEnvironment:
    database_url: str
    sqs_endpoint_url: str | None
    sandbox_url: str | None
    dagster_home: Path
    started: list[str] = field(default_factory=list)
    maildir: Path | None = None  # the local mailbox (when no IMAP mailbox is configured)

    def env(self) -> dict[str, str]:
        """The environment a Dagster daemon, webserver or run process needs."""
        env = child_environment({
            "DIRBOLT_DATABASE_URL": self.database_url,
            "DAGSTER_HOME": str(self.dagster_home),
            "CREWAI_DISABLE_TELEMETRY": "true",
            "OTEL_SDK_DISABLED": "true",
        })
        if self.sqs_endpoint_url:
            env["DIRBOLT_SQS_ENDPOINT_URL"] = self.sqs_endpoint_url
        if self.sandbox_url:
            env["DIRBOLT_SANDBOX_URL"] = self.sandbox_url
        if self.maildir is not None:
            env["DIRBOLT_MAILDIR"] = str(self.maildir)
        return env


# Variables another shell needs to reach the same parts (and what `dev` itself was given).
_SHELL_PREFIXES = ("DIRBOLT_", "AWS_", "SUPABASE_")
_SHELL_NAMES = ("DAGSTER_HOME", "DAGSTER_PG_URL")
# The local SQS server accepts any credentials: these are placeholders, not secrets.
_LOCAL_PLACEHOLDERS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}


def shell_exports(env: dict[str, str]) -> list[str]:
    """`export` lines for every variable another shell needs to use these parts (`dirbolt enqueue`,
    `results`, `rerun`, ...): dirbolt's, AWS's and Dagster's. A secret is never printed: its line says
    to set it from where it is kept."""
    lines = []
    for key in sorted(k for k in env if k.startswith(_SHELL_PREFIXES) or k in _SHELL_NAMES):
        value = env[key]
        shown = value if _LOCAL_PLACEHOLDERS.get(key) == value else redact_env_value(key, value)
        if shown == "***":
            lines.append(f"# {key} is set here (a secret, not shown): export it from your secret store")
        else:
            lines.append(f"export {key}={shlex.quote(shown)}")
    return lines


def machine_slots(browser_slots: int | None = None, cores: int | None = None) -> tuple[int, int]:
    """(runs, browser slots) for this machine: 2 browser slots per core (a slot is a shard
    submitting: its run process, its Chromium and the job's pages, mostly waiting on pages and the
    network), unless set (DIRBOLT_BROWSER_SLOTS); one run more, so a run's start and wrap-up
    overlap the others' submissions."""
    slots = browser_slots or 2 * max(1, cores or os.cpu_count() or 1)
    return slots + 1, slots


def dev_instance_yaml(browser_slots: int | None = None, cores: int | None = None) -> str:
    """dagster.dev.yaml with its run and browser-slot limits chosen for this machine."""
    runs, slots = machine_slots(browser_slots, cores)
    text = (REPO_ROOT / "dagster.dev.yaml").read_text()
    text = re.sub(r"(?m)^(\s*max_concurrent_runs:) \d+$", rf"\g<1> {runs}", text, count=1)
    return re.sub(r"(?m)^(\s*default_limit:) \d+$", rf"\g<1> {slots}", text, count=1)


def prepare_dagster_home(home: Path, *, browser_slots: int | None = None) -> Path:
    """A DAGSTER_HOME with the dev instance config (SQLite storage, queued runs, limits for this machine)."""
    dagster_home = home / "dagster"
    dagster_home.mkdir(parents=True, exist_ok=True)
    target = dagster_home / "dagster.yaml"
    wanted = dev_instance_yaml(browser_slots)
    if not target.exists() or target.read_text() != wanted:
        target.write_text(wanted)
    return dagster_home


@contextlib.contextmanager
def local_environment(settings: Settings, *, with_sandbox: bool = True) -> Iterator[LocalEnvironment]:
    """Start the embedded parts that are not configured; stop them on exit."""
    home = settings.home
    (home / "logs").mkdir(parents=True, exist_ok=True)
    started: list[str] = []
    children: list[ManagedProcess] = []
    stack = contextlib.ExitStack()
    try:
        if settings.database_url is not None:
            database_url = settings.database_url.get_secret_value()
        else:
            database_url = start_embedded_postgres(home / "pgdata")
            started.append("embedded PostgreSQL")
        sqs_url = settings.sqs_endpoint_url
        if not sqs_url and settings.aws_access_key_id is None:
            server = start_local_sqs(log_path=home / "logs" / "sqs.log")
            children.append(server)
            sqs_url = server.url
            started.append(f"local SQS at {sqs_url}")
            # moto accepts any credentials; this process and its children need some to sign with.
            export_defaults({"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"})
        maildir, smtp = None, None
        if settings.imap_url is None:
            # The local mailbox: an SMTP receiver storing mail in a Maildir the verifier reads.
            maildir = settings.resolved_maildir()
            port = settings.smtp_port if "smtp_port" in settings.model_fields_set else free_port()
            receiver = LocalSmtpServer(maildir, host=settings.smtp_host, port=port)
            stack.enter_context(receiver)
            smtp = f"{receiver.host}:{receiver.port}"
            started.append(f"local mailbox: SMTP at {smtp}, mail in {maildir}")
        sandbox_url = settings.sandbox_url
        if with_sandbox and not sandbox_url:
            server = start_sandbox(log_path=home / "logs" / "sandbox.log", smtp=smtp)
            children.append(server)
            sandbox_url = server.url
            started.append(f"sandbox directories at {sandbox_url}")
        yield LocalEnvironment(database_url=database_url, sqs_endpoint_url=sqs_url, sandbox_url=sandbox_url,
                               dagster_home=prepare_dagster_home(home, browser_slots=settings.browser_slots),
                               started=started, maildir=maildir)
    finally:
        for child in reversed(children):
            child.stop()
        stack.close()
