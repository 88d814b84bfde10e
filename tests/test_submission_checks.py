"""The submission checks' computed figures, through the real `submissions` asset on seeded rows in
PostgreSQL (every planned row already final: the shards submit nothing, `finish_submissions` evaluates
the checks over what is recorded)."""

from __future__ import annotations

import datetime as dt
import uuid

import dagster as dg
import pytest

from dirbolt_core.idempotency import idempotency_key
from dirbolt_core.reports.synthetic import SyntheticResult, seed_results, synthetic_job
from dirbolt_core.sample import SAMPLE_PROFILE
from dirbolt_core.vocabulary import SubmissionStatus
from dirbolt_dagster.resources import (
    ArtifactStoreResource,
    BrainResource,
    BrowserResource,
    StoreResource,
)
from dirbolt_dagster.submissions.assets import submissions
from dirbolt_dagster.submissions.checks import P95_LATENCY, SUCCESS_RATE, ZERO_DUPLICATES

NOW = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
S = SubmissionStatus


def _job(store, rows: list[SyntheticResult]) -> uuid.UUID:
    store.rollout.set(actor="test", routing_percent=100, legacy_comparison=False)  # live: job_results
    job_id = synthetic_job(store, SAMPLE_PROFILE.model_dump(mode="json"), package_size=len(rows),
                           queued_at=NOW, started_at=NOW)
    seed_results(store, job_id, rows)
    return job_id


def _checks(store, job_id: uuid.UUID, tmp_path) -> dict[str, dg.AssetCheckEvaluation]:
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("jobs", [str(job_id)])
    result = dg.materialize([submissions], partition_key=str(job_id), instance=instance, resources={
        "store": StoreResource(database_url=store.dsn), "browser": BrowserResource(),
        "brain": BrainResource(), "artifacts": ArtifactStoreResource(uri=str(tmp_path / "artifacts"))})
    assert result.success
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def _rows(statuses: list[SubmissionStatus], latencies_s: list[int] | None = None,
          waits_s: list[int] | None = None) -> list[SyntheticResult]:
    latencies_s = latencies_s or [20] * len(statuses)
    waits_s = waits_s or [0] * len(statuses)
    return [SyntheticResult(f"dir-{i:02d}", status, NOW, processing_time_seconds=latency + wait,
                            rate_limit_wait_ms=wait * 1000)
            for i, (status, latency, wait) in enumerate(zip(statuses, latencies_s, waits_s, strict=True))]


@pytest.mark.parametrize(("statuses", "percent", "passes"), [
    # 17 successes of 19 counted (the skipped one does not count): 89.47%, under the 90% gate.
    ([S.SUBMITTED] * 14 + [S.APPROVED] * 3 + [S.REJECTED, S.NEEDS_MANUAL, S.SKIPPED], 89.47, False),
    # 18 of 19: 94.74%.
    ([S.SUBMITTED] * 15 + [S.APPROVED] * 3 + [S.FAILED, S.SKIPPED], 94.74, True),
])
def test_success_rate_check_has_the_exact_rate_of_a_seeded_mix(store, tmp_path, statuses, percent, passes):
    checks = _checks(store, _job(store, _rows(statuses)), tmp_path)
    check = checks[SUCCESS_RATE]
    assert check.passed is passes
    assert check.metadata["success_rate_percent"].value == percent
    assert check.metadata["counted"].value == 19
    assert check.metadata["gate"].value == "> 90%"


def test_p95_latency_check_has_the_exact_p95_without_rate_limit_waits(store, tmp_path):
    # Latencies 10, 20, ... 200 s; the two slowest also waited 600 s for their directory's rate limit.
    latencies = [10 * (i + 1) for i in range(20)]
    waits = [0] * 18 + [600, 600]
    checks = _checks(store, _job(store, _rows([S.SUBMITTED] * 20, latencies, waits)), tmp_path)
    check = checks[P95_LATENCY]
    # Inclusive p95 of 10..200: 190 + 0.05 × (200 − 190) = 190.5 s (with the waits it would be 790.5 s: failed).
    assert check.metadata["p95_latency_s"].value == 190.5
    assert check.metadata["max_latency_s"].value == 200.0
    assert check.metadata["measured"].value == 20
    assert check.metadata["rate_limit_wait_s_total"].value == 1200.0
    assert check.passed is True


def test_p95_latency_check_fails_over_five_minutes(store, tmp_path):
    checks = _checks(store, _job(store, _rows([S.SUBMITTED] * 3, [100, 320, 400])), tmp_path)
    assert checks[P95_LATENCY].passed is False
    assert checks[P95_LATENCY].metadata["p95_latency_s"].value == 392.0  # 320 + 0.9 × 80


def test_a_seeded_duplicate_fails_zero_duplicate_submissions(store, tmp_path):
    job_id = _job(store, _rows([S.SUBMITTED] * 3))
    assert _checks(store, job_id, tmp_path)[ZERO_DUPLICATES].passed is True
    # A second accepted row of dir-01 under another key (what a broken idempotency key would leave).
    with store.connection() as conn:
        conn.execute("""INSERT INTO job_results (job_id, customer_id, idempotency_key, directory_id, directory_name,
                                                 status, reason)
                        VALUES (%s, 'synthetic', %s, 'dir-01', 'dir-01', 'submitted', 'again')""",
                     (job_id, idempotency_key(job_id, "dir-01", {"other": "data"})))
    check = _checks(store, job_id, tmp_path)[ZERO_DUPLICATES]
    assert check.passed is False and check.severity is dg.AssetCheckSeverity.ERROR
    assert check.metadata["duplicates"].value == 1
    assert check.metadata["directories"].value == [{"directory_id": "dir-01", "successes": 2}]
