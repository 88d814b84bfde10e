from __future__ import annotations

import dagster as dg

from dirbolt_dagster.partitions import jobs_partitions

# In-process: one run = one process = one Chromium shared by the job's submissions. The run also
# compares with the legacy system and writes the customer's report (assets of those concerns,
# selected by key).
submit_job = dg.define_asset_job(
    name="submit_job",
    selection=dg.AssetSelection.assets("job_plan", "submissions", "legacy_comparison", "job_report"),
    partitions_def=jobs_partitions,
    executor_def=dg.in_process_executor,
    description="Plan and submit one customer job (one partition of `jobs`).",
)
