"""Operational rules: dead-lettering failed jobs, platform health. Dagster-free."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

from dirbolt_core.alerts import Alert
from dirbolt_core.db.store import Store
from dirbolt_core.queue.sqs import JobQueue
from dirbolt_core.vocabulary import JobStatus


def dead_letter_job(store: Store, queue: JobQueue, job_id: uuid.UUID | str, *, error: str, actor: str) -> bool:
    """A job whose run retries are exhausted: failed, its message on the DLQ, the story in the audit.

    Idempotent: a job already failed is left alone (returns False).
    """
    job = store.jobs.get(job_id)
    if job is None or job.status is JobStatus.FAILED:
        return False
    reason = f"run retries exhausted: {error}"[:900]
    body = json.dumps({"job_id": str(job.id), "customer_id": job.customer_id, "package_size": job.package_size,
                       "priority": job.priority.value})
    message_id = queue.dead_letter(body, reason=reason)
    store.jobs.set_status(job.id, JobStatus.FAILED, error=reason, actor=actor,
                         detail={"dlq_message_id": message_id})
    store.audit.append(entity="message", event="dead_lettered", job_id=job.id, to_status="dlq",
                         detail={"reason": reason, "dlq_message_id": message_id}, actor=actor)
    return True


@dataclass
class HealthThresholds:
    dlq_depth: int = 10
    failure_rate: float = 0.25
    failure_window_minutes: int = 60
    min_finished_for_rate: int = 10
    stale_after_s: int = 120


@dataclass
class HealthReport:
    dlq_depth: int
    stale_workers: list[str]
    recent_finished: int
    recent_failed: int
    alerts: list[Alert] = field(default_factory=list)

    @property
    def failure_rate(self) -> float | None:
        return self.recent_failed / self.recent_finished if self.recent_finished else None


def check_health(store: Store, queue: JobQueue, thresholds: HealthThresholds) -> HealthReport:
    depth = queue.depth()["dlq"]
    stale = [w.worker_id for w in store.workers.stale(stale_after_s=thresholds.stale_after_s)]
    recent = store.submissions.recent_counts(minutes=thresholds.failure_window_minutes)
    finished, failed = recent.finished, recent.failed
    report = HealthReport(dlq_depth=depth, stale_workers=stale, recent_finished=finished, recent_failed=failed)
    if depth > thresholds.dlq_depth:
        report.alerts.append(Alert("dlq_depth", f"{depth} messages on the dead-letter queue",
                                   {"dlq_depth": depth, "threshold": thresholds.dlq_depth}))
    if stale:
        report.alerts.append(Alert("stale_workers", f"{len(stale)} worker(s) silent for over "
                                   f"{thresholds.stale_after_s}s", {"workers": ", ".join(stale[:10])}))
    rate = report.failure_rate
    if rate is not None and finished >= thresholds.min_finished_for_rate and rate > thresholds.failure_rate:
        report.alerts.append(Alert("failure_rate", f"{rate:.0%} of submissions failed in the last "
                                   f"{thresholds.failure_window_minutes} min",
                                   {"failed": failed, "finished": finished, "threshold": thresholds.failure_rate}))
    return report
