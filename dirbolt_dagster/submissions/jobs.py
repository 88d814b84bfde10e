from __future__ import annotations

import dagster as dg

from dirbolt_core.settings import get_settings
from dirbolt_dagster.partitions import jobs_partitions
from dirbolt_dagster.submissions.executors import step_executor

# Default, in-process: one run = one process; its shards run one after the other, each with its own
# Chromium. DIRBOLT_STEP_EXECUTOR=celery|k8s|ecs spreads the steps (shards) over hosts. The run also
# compares with the legacy system and writes the customer's report (assets of those concerns,
# selected by key).
submit_job = dg.define_asset_job(
    name="submit_job",
    selection=dg.AssetSelection.assets("job_plan", "submissions", "legacy_comparison", "job_report"),
    partitions_def=jobs_partitions,
    executor_def=step_executor(get_settings()),
    description="Plan and submit one customer job (one partition of `jobs`).",
)
