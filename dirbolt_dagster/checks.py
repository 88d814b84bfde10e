"""Asset checks: the migration gates, per job partition."""


import uuid

import dagster as dg

from dirbolt_dagster.assets import submissions
from dirbolt_dagster.partitions import jobs_partitions
from dirbolt_dagster.reporting import success_rate
from dirbolt_dagster.resources import StoreResource

SUCCESS_RATE_GATE = 0.90


@dg.asset_check(asset=submissions, partitions_def=jobs_partitions,
                description="Success rate (submitted + approved) / (all − skipped) above 90%.")
def success_rate_above_90(context: dg.AssetCheckExecutionContext, store: StoreResource) -> dg.AssetCheckResult:
    job_id = uuid.UUID(context.partition_key)
    results = store.store.results(job_id)
    rate = success_rate(results)
    return dg.AssetCheckResult(
        passed=rate is not None and rate > SUCCESS_RATE_GATE,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "success_rate": dg.MetadataValue.float(round(rate, 4) if rate is not None else float("nan")),
            "gate": SUCCESS_RATE_GATE,
            "counted": sum(1 for r in results if r.status.value != "skipped"),
            "succeeded": sum(1 for r in results if r.status.is_success),
        },
    )
