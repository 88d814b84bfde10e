"""Every setting of the platform, read from the environment once (pydantic-settings).

This module is the only place that reads the process environment (the test failpoints in
`faults.py` aside): everything else takes a `Settings`, normally `get_settings()`. Variable
names are the README's Configuration table; secrets are `SecretStr`, have no defaults and are
never printed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = REPO_ROOT / "sql"
SANDBOX_CATALOG = REPO_ROOT / "dirbolt_sandbox" / "catalog.json"

# LLM provider prefix -> the variables that hold its key. Local providers need none.
PROVIDER_KEYS: dict[str, tuple[str, ...]] = {
    "openai": ("OPENAI_API_KEY",),
    "anthropic": ("ANTHROPIC_API_KEY",),
    "claude": ("ANTHROPIC_API_KEY",),
    "gemini": ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
    "google": ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
    "azure": ("AZURE_API_KEY", "AZURE_OPENAI_API_KEY"),
    "groq": ("GROQ_API_KEY",),
    "mistral": ("MISTRAL_API_KEY",),
    "deepseek": ("DEEPSEEK_API_KEY",),
    "openrouter": ("OPENROUTER_API_KEY",),
    "together_ai": ("TOGETHERAI_API_KEY", "TOGETHER_API_KEY"),
    "bedrock": ("AWS_ACCESS_KEY_ID",),
}
LOCAL_PROVIDERS = frozenset({"ollama", "lm_studio", "hosted_vllm"})


def provider_of(model: str) -> str:
    if "/" in model:
        return model.split("/", 1)[0].lower()
    low = model.lower()
    if low.startswith(("gpt", "o1", "o3", "o4")):
        return "openai"
    if low.startswith("claude"):
        return "anthropic"
    if low.startswith("gemini"):
        return "gemini"
    return low.split("-", 1)[0]


def _provider_keys_from_environment() -> dict[str, SecretStr]:
    names = {name for names in PROVIDER_KEYS.values() for name in names}
    return {name: SecretStr(os.environ[name]) for name in sorted(names) if os.environ.get(name)}


class LlmConfig(BaseModel):
    """The LLM the CrewAI agents use (only when one is configured)."""

    model: str
    api_key: SecretStr | None = None
    base_url: str | None = None
    timeout_s: float = 30.0


class Settings(BaseSettings):
    # Empty variables count as unset (the default applies), as `os.environ.get(...) or default` did.
    model_config = SettingsConfigDict(env_prefix="DIRBOLT_", extra="ignore", env_ignore_empty=True,
                                      populate_by_name=True)

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
    aws_access_key_id: SecretStr | None = Field(default=None, validation_alias="AWS_ACCESS_KEY_ID")

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
    # Resource types the browser never fetches (Playwright's names, comma-separated: media, font,
    # image, stylesheet...): filling a form never needs them. Empty: fetch everything.
    block_resource_types: str = "media,font"

    # Proof storage: a folder path, file://..., s3://bucket/prefix or supabase://bucket/prefix.
    artifacts_uri: str | None = None
    s3_endpoint_url: str | None = None
    supabase_url: str | None = Field(default=None, validation_alias="SUPABASE_URL")
    supabase_service_key: SecretStr | None = Field(default=None, validation_alias="SUPABASE_SERVICE_KEY")

    # The operator web app (dirbolt_core/web): proof and reports over HTTP. `web_url` is the address
    # links point at (default: this machine's port); outside dev every request needs `web_token`
    # (a bearer token, or a link signed with it).
    web_url: str | None = None
    web_port: int = 8720
    web_token: SecretStr | None = None

    # Workers and operations.
    heartbeat_seconds: float = 20.0
    stale_after_seconds: int = 120
    # How often the SQS sensor looks: a job waits for its tick (half of this on average) before its
    # run exists; every 5 s instead of 10 s cut that wait from ~9.5 s to ~2.7 s per job (issue 20).
    sensor_interval_s: int = 5
    # The first SQS receive of a tick waits up to this long for a message (long polling): a job sent
    # between ticks is taken when it arrives instead of at the next tick. 0: ticks only look.
    sensor_wait_s: int = Field(default=4, ge=0, le=20)
    # A sensor tick must finish well inside Dagster's 60 s evaluation timeout.
    sensor_max_messages: int = 100
    sensor_tick_budget_s: float = 30.0
    health_interval_s: int = 60
    alert_webhook_url: SecretStr | None = None
    alert_dlq_depth: int = 10
    alert_failure_rate: float = 0.25

    # Scale-out. A job's submissions run as shards of at most `shard_size` directories, one Dagster
    # step each; `step_executor` says where steps run: in the run's own process, on Celery workers
    # (RabbitMQ), as Kubernetes jobs (dagster-k8s) or as ECS tasks (dagster-aws).
    shard_size: int = Field(default=100, ge=1)
    # Browser slots of the one-machine Dagster instance (`dirbolt dev`/`demo`, dagster.dev.yaml):
    # shards submitting at once, each a run process with its own Chromium. Default: 2 per core.
    browser_slots: int | None = Field(default=None, ge=1, le=64)
    # A code server forks run processes from one that imported the code location once
    # (dirbolt_dagster/warmstart.py); false: Dagster's own spawn.
    run_forkserver: bool = True
    step_executor: Literal["in_process", "celery", "k8s", "ecs"] = "in_process"
    # Celery broker, e.g. amqp://user:password@rabbitmq:5672// (a secret: it holds the password).
    # Unset: dagster-celery's default, pyamqp://guest@localhost:5672//.
    celery_broker_url: SecretStr | None = None
    celery_backend_url: str = "rpc://"

    # The form brain: its service (unset: in-process) and the LLM behind the CrewAI agents.
    brain_url: str | None = None
    brain_api_key: SecretStr | None = None
    brain_timeout_s: float = 5.0
    brain_max_body_bytes: int = 2 * 1024 * 1024
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
    llm_base_url: str | None = None
    llm_timeout_s: float = 30.0
    # The providers' own key variables (OPENAI_API_KEY, ...), used when DIRBOLT_LLM_API_KEY is unset.
    provider_api_keys: dict[str, SecretStr] = Field(default_factory=_provider_keys_from_environment)

    # E-mail verification (issue 19). The agency's mailbox: IMAP in production, e.g.
    # imaps://user:password@imap.example.com/INBOX (a secret: it holds the password); unset: the
    # local mailbox, a Maildir the local SMTP receiver (`dirbolt mail serve`) writes into.
    imap_url: SecretStr | None = None
    maildir: Path | None = None  # default home/mail
    smtp_host: str = "127.0.0.1"  # where the local SMTP receiver listens
    smtp_port: int = 8725
    # A pending_verification row without a confirmation after this long goes to the manual queue.
    verification_timeout_h: float = Field(default=48.0, gt=0)
    verification_interval_s: int = Field(default=300, ge=10)  # how often the sensor looks at the mailbox

    # Logs: JSON lines unless "text"; customer data is redacted either way.
    log_format: str | None = None
    log_level: str = "INFO"

    @field_validator("directory_credentials", "credentials_file", mode="before")
    @classmethod
    def _unset_when_blank(cls, value: object) -> object:
        # docker-compose passes `${VAR:-}` through as an empty string: that means "not set".
        return None if isinstance(value, str) and not value.strip() else value

    def with_overrides(self, **values: object) -> Settings:
        """These settings with some fields replaced (validated: a secret given as text becomes a SecretStr)."""
        return type(self).model_validate({**self.model_dump(), **values})

    def resolved_maildir(self) -> Path:
        return self.maildir or self.home / "mail"

    def resolved_artifacts_uri(self) -> str:
        return self.artifacts_uri or str(self.home / "artifacts")

    def blocked_resource_types(self) -> tuple[str, ...]:
        return tuple(t.strip().lower() for t in self.block_resource_types.split(",") if t.strip())

    def resolved_web_url(self) -> str:
        return (self.web_url or f"http://127.0.0.1:{self.web_port}").rstrip("/")

    @property
    def production(self) -> bool:
        return self.env == "production"

    def llm(self) -> LlmConfig | None:
        """The configured LLM, or None: no model, or a hosted model without its provider's key."""
        model = (self.llm_model or "").strip()
        if not model:
            return None
        provider = provider_of(model)
        key = self.llm_api_key or next(
            (self.provider_api_keys[v] for v in PROVIDER_KEYS.get(provider, ()) if v in self.provider_api_keys), None)
        if key is None and provider not in LOCAL_PROVIDERS and self.llm_base_url is None:
            return None  # a model without its provider's key: not configured
        return LlmConfig(model=model, api_key=key, base_url=self.llm_base_url, timeout_s=self.llm_timeout_s)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read from the environment on first use."""
    return Settings()


# Third-party libraries that phone home unless told not to; every dirbolt process and child tells them.
QUIET_THIRD_PARTIES = {"CREWAI_DISABLE_TELEMETRY": "true", "OTEL_SDK_DISABLED": "true",
                       "CREWAI_TRACING_ENABLED": "false", "CREWAI_DISABLE_TRACKING": "true"}


def quiet_third_party_telemetry() -> None:
    """Tell CrewAI and OpenTelemetry (read from the environment by them) not to phone home."""
    export_defaults(QUIET_THIRD_PARTIES)


def export_defaults(values: Mapping[str, str]) -> None:
    """Set environment variables this process and its children inherit, unless already set."""
    for name, value in values.items():
        os.environ.setdefault(name, value)


def child_environment(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a child process: this one's, with overrides."""
    return {**os.environ, **(overrides or {})}
