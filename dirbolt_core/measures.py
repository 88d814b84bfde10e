"""The platform's measures and their gates, defined once (DESIGN.md).

- success rate: (submitted + approved) / (all − skipped − pending_verification): a submission waiting
  for its confirmation e-mail's link is neither a success nor a failure until verified;
- latency: a submission's processing time without its rate-limit wait;
- p95: linear interpolation between closest ranks (statistics.quantiles' "inclusive", PostgreSQL's
  percentile_cont and pandas' default agree on it).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable

from dirbolt_core.vocabulary import SubmissionStatus

SUCCESS_RATE_GATE = 0.90
P95_LATENCY_GATE_S = 300.0
AGREEMENT_GATE = 0.95


# Statuses left out of the success rate's denominator (neither a success nor a failure).
NOT_COUNTED = frozenset({SubmissionStatus.SKIPPED, SubmissionStatus.PENDING_VERIFICATION})


def counts_toward_success(status: SubmissionStatus | str) -> bool:
    return SubmissionStatus(status) not in NOT_COUNTED


def success_rate(statuses: Iterable[SubmissionStatus | str]) -> float | None:
    """None when nothing counts."""
    counted = [SubmissionStatus(s) for s in statuses if counts_toward_success(s)]
    if not counted:
        return None
    return sum(1 for s in counted if s.is_success) / len(counted)


def latency_s(processing_time_seconds: float | None, rate_limit_wait_ms: int | None) -> float | None:
    if processing_time_seconds is None:
        return None
    return max(0.0, processing_time_seconds - (rate_limit_wait_ms or 0) / 1000)


def p95(values: Iterable[float]) -> float | None:
    values = list(values)
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[94]
