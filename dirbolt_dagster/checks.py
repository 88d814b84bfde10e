"""Asset checks: the migration gates, per job partition, each with its figures as metadata."""

import statistics
import uuid

import dagster as dg

from dirbolt_dagster.assets import submissions
from dirbolt_dagster.partitions import jobs_partitions
from dirbolt_dagster.reporting import success_rate
from dirbolt_dagster.resources import StoreResource

SUCCESS_RATE_GATE = 0.90
P95_LATENCY_GATE_S = 300.0


def _job_id(context: dg.AssetCheckExecutionContext) -> uuid.UUID:
    return uuid.UUID(context.partition_key)


@dg.asset_check(asset=submissions, partitions_def=jobs_partitions,
                description="Success rate (submitted + approved) / (all − skipped) above 90%.")
def success_rate_above_90(context: dg.AssetCheckExecutionContext, store: StoreResource) -> dg.AssetCheckResult:
    results = store.store.results(_job_id(context))
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


def p95(values: list[float]) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[94]


@dg.asset_check(asset=submissions, partitions_def=jobs_partitions,
                description="p95 submission latency under 5 minutes, not counting waits for rate limits.")
def p95_latency_under_5_min(context: dg.AssetCheckExecutionContext, store: StoreResource) -> dg.AssetCheckResult:
    results = store.store.results(_job_id(context))
    latencies = [max(0.0, r.processing_time_seconds - (r.rate_limit_wait_ms or 0) / 1000)
                 for r in results if r.processing_time_seconds is not None]
    value = p95(latencies)
    return dg.AssetCheckResult(
        passed=value is not None and value < P95_LATENCY_GATE_S,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "p95_latency_s": dg.MetadataValue.float(round(value, 2) if value is not None else float("nan")),
            "max_latency_s": dg.MetadataValue.float(round(max(latencies), 2) if latencies else float("nan")),
            "measured": len(latencies),
            "gate_s": P95_LATENCY_GATE_S,
            "rate_limit_wait_s_total": round(sum((r.rate_limit_wait_ms or 0) for r in results) / 1000, 2),
        },
    )


@dg.asset_check(asset=submissions, partitions_def=jobs_partitions, blocking=False,
                description="No directory of the job was submitted more than once.")
def zero_duplicate_submissions(context: dg.AssetCheckExecutionContext, store: StoreResource
                               ) -> dg.AssetCheckResult:
    duplicates = store.store.duplicate_submissions(_job_id(context))
    return dg.AssetCheckResult(
        passed=not duplicates,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "duplicates": len(duplicates),
            "directories": dg.MetadataValue.json([dict(d) for d in duplicates]),
        },
    )


job_checks = [success_rate_above_90, p95_latency_under_5_min, zero_duplicate_submissions]
