"""Real parts for every test: PostgreSQL, an SQS-compatible server over HTTP, the sandbox, Chromium."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

os.environ.setdefault("CREWAI_DISABLE_TELEMETRY", "true")
os.environ.setdefault("OTEL_SDK_DISABLED", "true")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from dirbolt_core.catalog import load_catalog
from dirbolt_core.db.migrations import apply_migrations
from dirbolt_core.db.store import Store
from dirbolt_core.models import Directory
from dirbolt_core.queue.sqs import JobQueue
from dirbolt_core.services import ManagedProcess, start_local_sqs, start_sandbox
from dirbolt_core.settings import SANDBOX_CATALOG, get_settings

# The PostgreSQL server tests use: the machine's (CI starts it), or any server via this URL.
ADMIN_DSN = os.environ.get("DIRBOLT_TEST_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
ARTIFACT_DIR = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    """A process reads its settings once; a test that changes the environment gets them read again."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _dsn_for(dbname: str) -> str:
    return psycopg.conninfo.make_conninfo(ADMIN_DSN, dbname=dbname)


def create_database(prefix: str = "dirbolt_t") -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(name: str) -> None:
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.fixture
def empty_database_url() -> Iterator[str]:
    """A brand-new, empty database on the real server; dropped afterwards."""
    name = create_database()
    try:
        yield _dsn_for(name)
    finally:
        drop_database(name)


@pytest.fixture
def database_url(empty_database_url: str) -> str:
    apply_migrations(empty_database_url)
    return empty_database_url


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    with Store(database_url) as s:
        yield s


@pytest.fixture(scope="session")
def sqs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ManagedProcess]:
    log = tmp_path_factory.mktemp("sqs") / "moto.log"
    with start_local_sqs(log_path=log) as server:
        yield server


@pytest.fixture
def job_queue(sqs_server: ManagedProcess) -> JobQueue:
    suffix = uuid.uuid4().hex[:8]
    queue = JobQueue(endpoint_url=sqs_server.url, queue_name=f"jobs-{suffix}", dlq_name=f"jobs-{suffix}-dlq")
    queue.ensure()
    return queue


@pytest.fixture(scope="session")
def sandbox_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ManagedProcess]:
    log = tmp_path_factory.mktemp("sandbox") / "sandbox.log"
    with start_sandbox(log_path=log) as server:
        yield server


class SandboxAdmin:
    """The sandbox's own record of what it received: the ground truth of effects."""

    def __init__(self, url: str):
        self.url = url

    def reset(self) -> None:
        httpx.delete(f"{self.url}/_admin/submissions").raise_for_status()

    def submissions(self, site: str | None = None) -> list[dict]:
        params = {"site": site} if site else None
        return httpx.get(f"{self.url}/_admin/submissions", params=params).json()

    def accepted(self, site: str | None = None) -> list[dict]:
        return [s for s in self.submissions(site) if s["outcome"] == "accepted"]

    def configure(self, site: str, **settings: object) -> None:
        httpx.post(f"{self.url}/_admin/config", json={"site": site, **settings}).raise_for_status()


@pytest.fixture
def sandbox(sandbox_server: ManagedProcess) -> Iterator[SandboxAdmin]:
    admin = SandboxAdmin(sandbox_server.url)
    admin.reset()
    config = httpx.get(f"{sandbox_server.url}/_admin/config").json()
    yield admin
    # Put every knob back the way the site declared it.
    for site, settings in config.items():
        admin.configure(site, **settings)
    admin.reset()


@pytest.fixture
def catalog(sandbox_server: ManagedProcess) -> list[Directory]:
    return load_catalog(SANDBOX_CATALOG, sandbox_url=sandbox_server.url)


@pytest.fixture
def artifact_dir(tmp_path: Path) -> Path:
    path = tmp_path / "artifacts"
    path.mkdir()
    return path
