"""Everything Dagster loads, assembled in one place."""

from __future__ import annotations

import os

import dagster as dg

from dirbolt_core.logs import configure_logging
from dirbolt_core.settings import get_settings
from dirbolt_dagster.assets import job_plan, jobs_queue_spec, submissions
from dirbolt_dagster.jobs import submit_job
from dirbolt_dagster.migration import (
    legacy_comparison,
    migration_rollup,
    migration_rollup_job,
    migration_rollup_schedule,
)
from dirbolt_dagster.readiness import (
    directory_readiness,
    directory_readiness_job,
    unprobed_directories_sensor,
    weekly_readiness_schedule,
)
from dirbolt_dagster.reports import report_assets, report_jobs, report_schedules
from dirbolt_dagster.resources import (
    ArtifactStoreResource,
    BrainResource,
    BrowserResource,
    QueueResource,
    StoreResource,
)
from dirbolt_dagster.sensors import (
    job_run_failure_sensor,
    platform_health_sensor,
    sqs_jobs_sensor,
)


def build_resources() -> dict[str, dg.ConfigurableResource]:
    settings = get_settings()
    return {
        # Secrets are EnvVars: resolved at run time and never shown in the UI.
        "store": StoreResource(database_url=dg.EnvVar("DIRBOLT_DATABASE_URL")),
        "queue": QueueResource(
            endpoint_url=settings.sqs_endpoint_url,
            region=settings.aws_region,
            queue_name=settings.sqs_queue_name,
            dlq_name=settings.sqs_dlq_name,
            max_receive_count=settings.sqs_max_receive_count,
        ),
        "browser": BrowserResource(
            chromium_path=settings.chromium_path,
            headless=settings.headless,
            step_timeout_ms=settings.step_timeout_ms,
            navigation_timeout_ms=settings.navigation_timeout_ms,
            production=settings.env == "production",
        ),
        "brain": BrainResource(database_url=dg.EnvVar("DIRBOLT_DATABASE_URL"),
                               brain_url=os.environ.get("DIRBOLT_BRAIN_URL"),
                               llm_model=os.environ.get("DIRBOLT_LLM_MODEL")),
        "artifacts": ArtifactStoreResource(uri=settings.resolved_artifacts_uri(),
                                           s3_endpoint_url=settings.s3_endpoint_url),
    }


# Every process that loads the code (code server, run workers) logs JSON with customer data redacted.
configure_logging(json=True)

defs = dg.Definitions(
    assets=[jobs_queue_spec, job_plan, submissions, legacy_comparison, migration_rollup, directory_readiness,
            *report_assets],
    jobs=[submit_job, migration_rollup_job, directory_readiness_job, *report_jobs],
    schedules=[migration_rollup_schedule, weekly_readiness_schedule, *report_schedules],
    sensors=[sqs_jobs_sensor, job_run_failure_sensor, platform_health_sensor, unprobed_directories_sensor],
    resources=build_resources(),
)
