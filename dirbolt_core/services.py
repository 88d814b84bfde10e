"""Local stand-ins for the production parts, started by the tool when nothing is configured."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, *, timeout_s: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server for {url} exited with code {proc.returncode}")
        try:
            httpx.get(url, timeout=2.0)
            return
        except httpx.HTTPError as exc:
            last = exc
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout_s}s: {last}")


@dataclass
class ManagedProcess:
    """A child server process; stopped with the object (or the parent's exit)."""

    name: str
    url: str
    proc: subprocess.Popen

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)

    def __enter__(self) -> ManagedProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _spawn(name: str, args: list[str], url: str, log_path: Path | None, ready_path: str = "/") -> ManagedProcess:
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 - lives with the child
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)  # inherits this environment
    try:
        wait_http(url + ready_path, proc=proc)
    except Exception:
        proc.kill()
        raise
    return ManagedProcess(name=name, url=url, proc=proc)


def start_local_sqs(*, port: int | None = None, log_path: Path | None = None) -> ManagedProcess:
    """moto's server: a real SQS (and S3) API over HTTP on localhost."""
    port = port or free_port()
    moto = Path(sys.executable).with_name("moto_server")
    args = [str(moto)] if moto.exists() else [sys.executable, "-m", "moto.server"]
    return _spawn("sqs", [*args, "-H", "127.0.0.1", "-p", str(port)], f"http://127.0.0.1:{port}", log_path,
                  ready_path="/moto-api/")


def start_sandbox(*, port: int | None = None, log_path: Path | None = None, seed: int = 7,
                  mirrors: int = 1, smtp: str | None = None) -> ManagedProcess:
    """The sandbox directory network as a child process (`smtp` HOST:PORT: with the confirmation-mail sites)."""
    port = port or free_port()
    args = [sys.executable, "-m", "dirbolt_cli", "sandbox", "--port", str(port), "--seed", str(seed),
            "--mirrors", str(mirrors), *(["--smtp", smtp] if smtp else [])]
    return _spawn("sandbox", args, f"http://127.0.0.1:{port}", log_path, ready_path="/_admin/health")
