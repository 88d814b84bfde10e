"""The system of record: one pool, one repository per aggregate.

    store.jobs         jobs: the order, queue state, routing                 (db/jobs.py)
    store.submissions  job_results of the new system: plan, claim, finish    (db/submissions.py)
    store.pacing       per-directory submission slots                        (db/pacing.py)
    store.workers      worker heartbeats, stale workers                      (db/workers.py)
    store.audit        queue_history, append-only                            (db/audit.py)
    store.rollout      rollout settings, legacy results, comparisons         (db/rollout.py)
    store.directories  the catalog: entries, operator overrides, readiness   (db/directories.py)
    store.probes       directory probes: verdicts, form drift, ready share   (db/probes.py)
    store.learned      the brain's learned mappings                          (db/learned.py)
    store.reporting    reads across aggregates for metrics and gates         (db/reporting.py)
    store.manual       the manual work queue: needs_manual rows, resolutions  (db/manual.py)
    store.verification confirmation mails and pending_verification rows      (db/verification.py)
    store.followup     submitted rows re-checked for their live listing      (db/followup.py)
    store.outbox       queue messages written with their job, and their relay (db/outbox.py)
"""

from __future__ import annotations

from dirbolt_core.db.audit import AuditLog
from dirbolt_core.db.directories import DirectoryRepository
from dirbolt_core.db.followup import FollowupRepository
from dirbolt_core.db.jobs import JobRepository
from dirbolt_core.db.learned import LearnedMappingRepository
from dirbolt_core.db.manual import ManualQueue
from dirbolt_core.db.outbox import OutboxRepository
from dirbolt_core.db.pacing import PacingRepository
from dirbolt_core.db.pool import Database
from dirbolt_core.db.probes import ProbeRepository
from dirbolt_core.db.reporting import ReportingQueries
from dirbolt_core.db.rollout import RolloutRepository
from dirbolt_core.db.submissions import SubmissionRepository
from dirbolt_core.db.verification import VerificationRepository
from dirbolt_core.db.workers import WorkerRepository


class Store(Database):
    """Owns the pool (see Database) and exposes the repositories over it."""

    def __init__(self, dsn: str, *, min_size: int = 1, max_size: int = 10, role: str | None = None):
        super().__init__(dsn, min_size=min_size, max_size=max_size, role=role)
        self.jobs = JobRepository(self)
        self.submissions = SubmissionRepository(self)
        self.pacing = PacingRepository(self)
        self.workers = WorkerRepository(self)
        self.audit = AuditLog(self)
        self.rollout = RolloutRepository(self)
        self.directories = DirectoryRepository(self)
        self.probes = ProbeRepository(self)
        self.learned = LearnedMappingRepository(self)
        self.reporting = ReportingQueries(self)
        self.manual = ManualQueue(self)
        self.verification = VerificationRepository(self)
        self.followup = FollowupRepository(self)
        self.outbox = OutboxRepository(self)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
