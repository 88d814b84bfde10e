"""A real Dagster instance for tests: a temporary DAGSTER_HOME and a dagster-daemon process."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from dirbolt_core.services import free_port
from dirbolt_core.settings import REPO_ROOT

BIN = Path(sys.executable).parent


def dagster_env(*, home: Path, database_url: str, sqs_url: str, queue_name: str, dlq_name: str,
                sandbox_url: str, artifacts: Path, extra: dict[str, str] | None = None,
                instance_yaml: str | None = None) -> dict[str, str]:
    dagster_home = home / "dagster_home"
    dagster_home.mkdir(parents=True, exist_ok=True)
    target = dagster_home / "dagster.yaml"
    if instance_yaml is not None:
        target.write_text(instance_yaml)
    else:
        shutil.copyfile(REPO_ROOT / "dagster.dev.yaml", target)
    return {
        **os.environ,
        "DAGSTER_HOME": str(dagster_home),
        "DIRBOLT_DATABASE_URL": database_url,
        "DIRBOLT_SQS_ENDPOINT_URL": sqs_url,
        "DIRBOLT_SQS_QUEUE_NAME": queue_name,
        "DIRBOLT_SQS_DLQ_NAME": dlq_name,
        "DIRBOLT_SANDBOX_URL": sandbox_url,
        "DIRBOLT_ARTIFACTS_URI": str(artifacts),
        "DIRBOLT_SENSOR_INTERVAL_S": "1",
        "DIRBOLT_HOME": str(home),
        **(extra or {}),
    }


def stop_process(proc: subprocess.Popen) -> None:
    """Terminate, and kill what does not exit within 30 s (a daemon waits for its threads)."""
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def _code_loaded(port: int) -> bool:
    """The server answers with the code location's repositories (not only that it is up: a daemon
    that finds the location still loading marks it broken until its next refresh, a minute on)."""
    from dagster._grpc.client import DagsterGrpcClient
    from dagster._grpc.types import ListRepositoriesResponse
    from dagster._serdes import deserialize_value

    try:
        reply = deserialize_value(DagsterGrpcClient(port=port, host="127.0.0.1").list_repositories())
    except Exception:
        return False
    return isinstance(reply, ListRepositoriesResponse)


@contextlib.contextmanager
def dagster_code_server(env: dict[str, str], log_path: Path) -> Iterator[Path]:
    """The code location in its own long-lived server, as docker-compose runs it; yields a workspace
    file that points at it. (A daemon that manages its code server itself replaces that process
    every 60 s, and each replacement imports the whole code location again.)"""
    port = free_port()
    workspace = Path(env["DAGSTER_HOME"]) / "workspace.grpc.yaml"
    workspace.write_text("load_from:\n  - grpc_server:\n      host: 127.0.0.1\n"
                         f"      port: {port}\n      location_name: dirbolt\n")
    with open(log_path, "ab") as log:
        proc = subprocess.Popen([str(BIN / "dagster"), "code-server", "start", "-h", "127.0.0.1", "-p", str(port),
                                 "-m", "dirbolt_dagster.definitions", "--location-name", "dirbolt",
                                 "--log-level", "warning"],
                                env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
        try:
            wait_until(lambda: _code_loaded(port), timeout_s=120, interval_s=0.5, proc=proc, log_path=log_path)
            yield workspace
        finally:
            stop_process(proc)


@contextlib.contextmanager
def dagster_daemon(env: dict[str, str], log_path: Path, workspace: Path | None = None
                   ) -> Iterator[subprocess.Popen]:
    """A dagster-daemon on `workspace` (default: workspace.yaml, whose code server the daemon
    starts itself)."""
    with open(log_path, "ab") as log:
        proc = subprocess.Popen([str(BIN / "dagster-daemon"), "run", "-w",
                                 str(workspace or REPO_ROOT / "workspace.yaml")],
                                env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
        try:
            yield proc
        finally:
            stop_process(proc)


def wait_until(predicate, *, timeout_s: float, interval_s: float = 1.0, proc: subprocess.Popen | None = None,
               log_path: Path | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc is not None and proc.poll() is not None:
            tail = log_path.read_text()[-3000:] if log_path else ""
            raise AssertionError(f"dagster process exited with {proc.returncode}\n{tail}")
        time.sleep(interval_s)
    tail = log_path.read_text()[-3000:] if log_path else ""
    raise AssertionError(f"condition not met within {timeout_s}s\n{tail}")
