"""The migration gates as checks of each job's `submissions`, evaluated in the asset's own step.

Computed where the results are written (check_specs on the asset) rather than as separate
check ops: one step per run instead of four, and the same checks in the UI.
"""

from collections.abc import Sequence

import dagster as dg

from dirbolt_core.db.submissions import DuplicateSubmission
from dirbolt_core.measures import (
    P95_LATENCY_GATE_S,
    SUCCESS_RATE_GATE,
    counts_toward_success,
    latency_s,
    p95,
    success_rate,
)
from dirbolt_core.models import SubmissionResult
from dirbolt_core.vocabulary import SubmissionStatus

SUCCESS_RATE = "success_rate_above_90"
PACKAGE_FILLED = "package_filled"
P95_LATENCY = "p95_latency_under_5_min"
ZERO_DUPLICATES = "zero_duplicate_submissions"


def submission_check_specs(asset_key: dg.AssetKey, partitions_def: dg.PartitionsDefinition
                           ) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(SUCCESS_RATE, asset=asset_key, partitions_def=partitions_def,
                          description="Success rate (submitted + approved) / (all − skipped − pending_verification) "
                                      "above 90%."),
        dg.AssetCheckSpec(P95_LATENCY, asset=asset_key, partitions_def=partitions_def,
                          description="p95 submission latency under 5 minutes, not counting rate-limit waits."),
        dg.AssetCheckSpec(ZERO_DUPLICATES, asset=asset_key, partitions_def=partitions_def,
                          description="No directory of the job was submitted more than once."),
    ]


def success_rate_check(results: Sequence[SubmissionResult]) -> dg.AssetCheckResult:
    rate = success_rate(r.status for r in results)
    return dg.AssetCheckResult(
        check_name=SUCCESS_RATE,
        passed=rate is not None and rate > SUCCESS_RATE_GATE,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            # Real figures the UI can plot; the threshold as text. No figure when nothing was counted.
            **({"success_rate_percent": dg.MetadataValue.float(round(rate * 100, 2))} if rate is not None else {}),
            "gate": dg.MetadataValue.text(f"> {SUCCESS_RATE_GATE:.0%}"),
            "counted": sum(1 for r in results if counts_toward_success(r.status)),
            "pending_verification": sum(1 for r in results
                                        if r.status is SubmissionStatus.PENDING_VERIFICATION),
            "succeeded": sum(1 for r in results if r.status.is_success),
            # Rows a person resolved from the manual queue (`dirbolt manual resolve`), and how.
            "resolved_by_hand": sum(1 for r in results if r.evidence.get("manual_resolution")),
            "resolutions": dg.MetadataValue.json(
                {r.directory_id: {"status": r.status.value, "by": r.evidence["manual_resolution"].get("resolved_by")}
                 for r in results if r.evidence.get("manual_resolution")}),
            "waiting_for_a_person": sum(1 for r in results if r.status.value == "needs_manual"),
            "nap_mismatches": sum(1 for r in results if r.status.value == "nap_mismatch"),
        },
    )


def p95_latency_check(results: Sequence[SubmissionResult]) -> dg.AssetCheckResult:
    latencies = [latency_s(r.processing_time_seconds, r.rate_limit_wait_ms)
                 for r in results if r.processing_time_seconds is not None]
    value = p95(latencies)
    return dg.AssetCheckResult(
        check_name=P95_LATENCY,
        passed=value is not None and value < P95_LATENCY_GATE_S,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            **({"p95_latency_s": dg.MetadataValue.float(round(value, 2)),
                "max_latency_s": dg.MetadataValue.float(round(max(latencies), 2))} if value is not None else {}),
            "measured": len(latencies),
            "gate": dg.MetadataValue.text(f"< {P95_LATENCY_GATE_S:.0f} s"),
            "rate_limit_wait_s_total": round(sum((r.rate_limit_wait_ms or 0) for r in results) / 1000, 2),
        },
    )


def duplicates_check(duplicates: Sequence[DuplicateSubmission]) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=ZERO_DUPLICATES,
        passed=not duplicates,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "duplicates": len(duplicates),
            "directories": dg.MetadataValue.json([d.model_dump() for d in duplicates]),
        },
    )


def package_filled_check(*, package_size: int, planned: int, short_by: int, shortfall: str | None
                         ) -> dg.AssetCheckResult:
    """Fails when the package is larger than the directories that could be planned: never a silent
    'completed' for a job that got fewer directories than it paid for."""
    return dg.AssetCheckResult(
        check_name=PACKAGE_FILLED,
        passed=short_by == 0,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "package_size": package_size,
            "planned": planned,
            "short_by": short_by,
            "why": dg.MetadataValue.text(shortfall or ("the package is filled" if not short_by else
                                                      "see `dirbolt directories list`")),
        },
    )
