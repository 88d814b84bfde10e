"""Celery worker hosts for tests and benchmarks: `dagster-celery` workers on the local RabbitMQ.

Each worker stands in for a host: its own DAGSTER_HOME and DIRBOLT_HOME, its own process tree
(Celery, its pool process, Playwright's driver, Chromium). They share what hosts share in
production: RabbitMQ, PostgreSQL (system of record and Dagster storage) and proof storage.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psutil
import psycopg

from dirbolt_core.settings import REPO_ROOT
from tests.dagster_harness import BIN, wait_until

WORKER_CONFIG = REPO_ROOT / "deploy" / "celery" / "worker.yaml"
RABBITMQ = os.environ.get("DIRBOLT_TEST_RABBITMQ", "guest:guest@127.0.0.1:5672")


def _rabbitmqctl(*args: str) -> bool:
    tool = shutil.which("rabbitmqctl")
    if tool is None:
        return False
    result = subprocess.run([tool, *args], capture_output=True, text=True, timeout=60)
    return result.returncode == 0


@contextlib.contextmanager
def rabbitmq_broker() -> Iterator[str]:
    """A broker URL of its own: a fresh virtual host when rabbitmqctl can make one (the machine's
    broker is shared by every test run on it), else the default one."""
    vhost = f"dirbolt-t-{uuid.uuid4().hex[:8]}"
    if _rabbitmqctl("add_vhost", vhost) and _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"):
        try:
            yield f"amqp://{RABBITMQ}/{vhost}"
        finally:
            _rabbitmqctl("delete_vhost", vhost)
    else:
        yield f"amqp://{RABBITMQ}//"


def postgres_instance_yaml(dagster_dsn: str, *, browser_slots: int = 4) -> str:
    """A Dagster instance on PostgreSQL: what the run process and every worker host share."""
    parts = psycopg.conninfo.conninfo_to_dict(dagster_dsn)
    # SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3, whose server-side binding breaks
    # dagster-postgres (`NOTIFY run_events, $1`): the Dagster storage URL names psycopg2.
    url = (f"postgresql+psycopg2://{parts.get('user', 'postgres')}@{parts.get('host', '127.0.0.1')}"
           f":{parts.get('port', 5432)}/{parts['dbname']}")
    return (f"storage:\n  postgres:\n    postgres_url: \"{url}\"\n"
            f"concurrency:\n  pools:\n    default_limit: {browser_slots}\n"
            "telemetry:\n  enabled: false\n")


class CeleryWorker:
    """One `dagster-celery worker start` process tree, named `name@<machine>` on the broker."""

    def __init__(self, name: str, proc: subprocess.Popen, log_path: Path):
        self.name = name
        self.proc = proc
        self.log_path = log_path

    def tree(self) -> list[psutil.Process]:
        try:
            root = psutil.Process(self.proc.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def pids(self) -> set[int]:
        return {p.pid for p in self.tree()}

    def kill(self) -> None:
        """The host dies: SIGKILL to every process of the tree at once (Chromium included, which
        Playwright starts in a process group of its own)."""
        procs = self.tree()
        for p in procs:
            with contextlib.suppress(psutil.NoSuchProcess):
                p.kill()
        psutil.wait_procs(procs, timeout=30)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        procs = self.tree()
        for p in procs:
            with contextlib.suppress(psutil.NoSuchProcess):
                p.terminate()
        _, alive = psutil.wait_procs(procs, timeout=20)
        for p in alive:
            with contextlib.suppress(psutil.NoSuchProcess):
                p.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)


@contextlib.contextmanager
def celery_worker(name: str, *, home: Path, env: dict[str, str], instance_yaml: str) -> Iterator[CeleryWorker]:
    """Start a worker host and wait until it listens on the broker."""
    dagster_home = home / "dagster_home"
    dagster_home.mkdir(parents=True, exist_ok=True)
    (dagster_home / "dagster.yaml").write_text(instance_yaml)
    log_path = home / f"{name}.log"
    worker_env = {**env, "DAGSTER_HOME": str(dagster_home), "DIRBOLT_HOME": str(home),
                  "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}"}
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [str(BIN / "dagster-celery"), "worker", "start", "-A", "dagster_celery.app", "-y", str(WORKER_CONFIG),
             "-n", name, "--", "--concurrency=1", "--without-gossip", "--without-mingle"],
            env=worker_env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
    worker = CeleryWorker(name, proc, log_path)
    try:
        wait_until(lambda: " ready." in log_path.read_text(errors="replace"), timeout_s=120, interval_s=0.5,
                   proc=proc, log_path=log_path)
        yield worker
    finally:
        worker.stop()


def wait_for(predicate, *, timeout_s: float, what: str, interval_s: float = 0.5) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout_s}s")
        time.sleep(interval_s)
