from __future__ import annotations

import dagster as dg

from dirbolt_core.settings import get_settings
from dirbolt_dagster.assets import job_plan, submissions
from dirbolt_dagster.executors import step_executor
from dirbolt_dagster.migration import legacy_comparison
from dirbolt_dagster.partitions import jobs_partitions
from dirbolt_dagster.reports import job_report

# Default, in-process: one run = one process; its shards run one after the other, each with its own
# Chromium. DIRBOLT_STEP_EXECUTOR=celery|k8s|ecs spreads the steps (shards) over hosts.
submit_job = dg.define_asset_job(
    name="submit_job",
    selection=dg.AssetSelection.assets(job_plan, submissions, legacy_comparison, job_report),
    partitions_def=jobs_partitions,
    executor_def=step_executor(get_settings()),
    description="Plan and submit one customer job (one partition of `jobs`).",
)
