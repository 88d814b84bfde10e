"""The tags every run of a job carries, whichever way it was launched (sensor, asset page, backfill,
re-execution, CLI): derived from the job's partition key by the sensor and by the run coordinator
(dirbolt_dagster/coordinator.py), so per-tier run limits and run priority apply to every run and an
operator can find a job's runs by business, customer or tier. No Dagster import: the coordinator
runs in the webserver's and the daemon's processes."""

from __future__ import annotations

from dirbolt_core.models import Job
from dirbolt_core.vocabulary import Priority

PRIORITY_TAG = "dirbolt/priority"  # the tier; dagster.yaml's tag_concurrency_limits key on it
JOB_ID_TAG = "dirbolt/job_id"
TIER_TAG = "dirbolt/tier"
CUSTOMER_TAG = "dirbolt/customer_id"
BUSINESS_TAG = "dirbolt/business_name"
RUN_PRIORITY_TAG = "dagster/priority"  # QueuedRunCoordinator dequeues higher values first
PARTITION_TAG = "dagster/partition"
# Dagster keeps tag values short in its UI; a business name is cut to this.
MAX_TAG_VALUE = 100


def priority_tags(priority: Priority) -> dict[str, str]:
    return {PRIORITY_TAG: priority.value, RUN_PRIORITY_TAG: str(priority.rank * 10)}


def job_run_tags(job: Job) -> dict[str, str]:
    """The tags of every run of `job`."""
    name = job.business_data.get("business_name") or job.business_data.get("businessName") or ""
    return {
        **priority_tags(job.priority),
        JOB_ID_TAG: str(job.id),
        TIER_TAG: job.priority.value,
        CUSTOMER_TAG: str(job.customer_id)[:MAX_TAG_VALUE],
        BUSINESS_TAG: " ".join(str(name).split())[:MAX_TAG_VALUE],
    }
