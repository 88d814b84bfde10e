"""Configuration from the environment (DIRBOLT_*); secrets never have defaults."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
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

    # Directory catalog file; ${SANDBOX_URL} in it is replaced by sandbox_url.
    catalog_path: Path = SANDBOX_CATALOG
    sandbox_url: str | None = None

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

    # Scale-out. A job's submissions run as shards of at most `shard_size` directories, one Dagster
    # step each; `step_executor` says where steps run: in the run's own process, on Celery workers
    # (RabbitMQ), as Kubernetes jobs (dagster-k8s) or as ECS tasks (dagster-aws).
    shard_size: int = Field(default=100, ge=1)
    step_executor: Literal["in_process", "celery", "k8s", "ecs"] = "in_process"
    # Celery broker, e.g. amqp://user:password@rabbitmq:5672// (a secret: it holds the password).
    # Unset: dagster-celery's default, pyamqp://guest@localhost:5672//.
    celery_broker_url: SecretStr | None = None
    celery_backend_url: str = "rpc://"

    def resolved_artifacts_uri(self) -> str:
        return self.artifacts_uri or str(self.home / "artifacts")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
