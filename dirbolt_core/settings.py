"""Configuration from the environment (DIRBOLT_*); secrets never have defaults."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = REPO_ROOT / "sql"
SANDBOX_CATALOG = Path(__file__).resolve().parent / "sandbox" / "catalog.json"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DIRBOLT_", extra="ignore")

    env: Literal["dev", "production"] = "dev"
    home: Path = Field(default=REPO_ROOT / ".dirbolt", description="local state: embedded db, artifacts, dagster")

    # System of record. Empty: an embedded PostgreSQL starts under home/pgdata.
    database_url: SecretStr | None = None

    # Queue. Empty endpoint and no AWS account: a local SQS-compatible server starts.
    sqs_endpoint_url: str | None = None
    sqs_queue_name: str = "dirbolt-jobs"
    sqs_dlq_name: str = "dirbolt-jobs-dlq"
    sqs_max_receive_count: int = 5
    aws_region: str = "us-east-1"

    # Directory catalog file; ${SANDBOX_URL} in it is replaced by sandbox_url. Deployments import
    # it on start (`dirbolt directories import`); demo and dev load it and vouch its sites ready.
    catalog_path: Path = SANDBOX_CATALOG
    sandbox_url: str | None = None

    # Login-required directories: credentials per directory id, from the environment (JSON
    # {"directory-id": {"username": ..., "email": ..., "password": ...}}) or a file of the same
    # shape (a mounted secret). Never stored in the database, never printed.
    directory_credentials: SecretStr | None = None
    credentials_file: Path | None = None

    # Probing directories (`dirbolt directories probe`, the readiness asset): this many at a time.
    probe_concurrency: int = Field(default=4, ge=1, le=32)

    # Browser.
    chromium_path: str | None = None
    headless: bool = True
    step_timeout_ms: int = 15_000
    navigation_timeout_ms: int = 20_000

    # Proof storage: a folder path, file://..., or s3://bucket/prefix.
    artifacts_uri: str | None = None
    s3_endpoint_url: str | None = None

    heartbeat_seconds: float = 20.0
    log_level: str = "INFO"

    @field_validator("directory_credentials", "credentials_file", mode="before")
    @classmethod
    def _unset_when_blank(cls, value: object) -> object:
        # docker-compose passes `${VAR:-}` through as an empty string: that means "not set".
        return None if isinstance(value, str) and not value.strip() else value

    def resolved_artifacts_uri(self) -> str:
        return self.artifacts_uri or str(self.home / "artifacts")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
