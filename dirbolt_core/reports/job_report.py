"""A customer's per-job report: every directory with its status, reason, listing URL, time and proof."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from dirbolt_core.artifacts import ArtifactStore
from dirbolt_core.db.store import Store
from dirbolt_core.measures import success_rate
from dirbolt_core.models import SubmissionResult
from dirbolt_core.reports.thumbnails import thumbnail_data_uri
from dirbolt_core.reports.timeline import Timeline, status_timeline
from dirbolt_core.vocabulary import SubmissionStatus

log = logging.getLogger(__name__)

# Best news first: live listings, then accepted, then what needs the customer or us.
STATUS_ORDER = {s: i for i, s in enumerate((
    SubmissionStatus.APPROVED, SubmissionStatus.NAP_MISMATCH, SubmissionStatus.SUBMITTED,
    SubmissionStatus.PENDING_VERIFICATION, SubmissionStatus.NEEDS_MANUAL,
    SubmissionStatus.REJECTED, SubmissionStatus.FAILED, SubmissionStatus.SKIPPED,
    SubmissionStatus.PROCESSING, SubmissionStatus.PENDING))}

# What each status means, in the customer's words.
STATUS_MEANING = {
    SubmissionStatus.APPROVED: "Live: the directory published the listing.",
    SubmissionStatus.NAP_MISMATCH: "Live, but the listing's name, address or phone differ from yours: to fix.",
    SubmissionStatus.SUBMITTED: "Accepted by the directory, waiting for its approval.",
    SubmissionStatus.PENDING_VERIFICATION: "Sent; the directory e-mailed a confirmation link that must be "
                                           "opened before the listing exists.",
    SubmissionStatus.NEEDS_MANUAL: "Needs a person: a captcha, a login or a phone/email verification.",
    SubmissionStatus.REJECTED: "The directory refused the listing; its reason is shown.",
    SubmissionStatus.FAILED: "Could not be completed after retries; it will be tried again.",
    SubmissionStatus.SKIPPED: "Not applicable, or the business is already listed there.",
    SubmissionStatus.PROCESSING: "Being submitted right now.",
    SubmissionStatus.PENDING: "Planned, not submitted yet.",
}

ProgressFn = Callable[[int, int, str], None]


class JobNotFoundError(LookupError):
    pass


@dataclass
class ReportRow:
    directory_id: str
    directory_name: str
    status: SubmissionStatus
    reason: str | None = None
    listing_url: str | None = None
    directory_url: str | None = None
    submitted_at: dt.datetime | None = None
    attempts: int = 0
    proof_uri: str | None = None
    proof_html_uri: str | None = None
    thumbnail: str | None = None  # data: URI
    proof_note: str | None = None  # why there is no thumbnail
    # A person resolved the row from the manual queue: {"resolved_by", "resolved_at", "note", ...}.
    resolution: dict | None = None


@dataclass
class JobReport:
    job_id: uuid.UUID
    customer_id: str
    business_name: str
    priority: str
    job_status: str
    created_at: dt.datetime | None
    completed_at: dt.datetime | None
    generated_at: dt.datetime
    rows: list[ReportRow] = field(default_factory=list)
    package_size: int | None = None
    # Directories the package lacks: fewer directories could be planned than the package holds.
    short_by: int = 0
    # live / pending / needs action over the days since submission (reports/timeline.py)
    timeline: Timeline | None = None

    @property
    def counts(self) -> dict[str, int]:
        counts = Counter(r.status.value for r in self.rows)
        return {s.value: counts.get(s.value, 0) for s in STATUS_ORDER}

    @property
    def resolved_by_hand(self) -> list[ReportRow]:
        return [r for r in self.rows if r.resolution]

    @property
    def success_rate(self) -> float | None:
        """(submitted + approved) / (all − skipped − pending_verification), DESIGN.md's definition."""
        return success_rate(r.status for r in self.rows)


@dataclass
class StoredReport:
    job_id: uuid.UUID
    html_uri: str
    csv_uri: str
    rows: int
    counts: dict[str, int]
    success_rate: float | None
    thumbnails: int
    short_by: int = 0
    local_paths: list[Path] = field(default_factory=list)


def _thumbnail(artifacts: ArtifactStore, uri: str) -> tuple[str | None, str | None]:
    try:
        return thumbnail_data_uri(artifacts.read(uri)), None
    except Exception as exc:  # a missing or unreadable proof never sinks the report
        log.warning("proof %s unreadable for the report: %s", uri, type(exc).__name__)
        return None, "proof image unavailable"


def build_job_report(store: Store, job_id: uuid.UUID | str, artifacts: ArtifactStore | None, *,
                     thumbnails: bool = True, on_progress: ProgressFn | None = None,
                     now: dt.datetime | None = None) -> JobReport:
    """Read the job and its results; thumbnails come from the proof screenshots in `artifacts`."""
    job_id = uuid.UUID(str(job_id))
    job = store.jobs.get(job_id)
    if job is None:
        raise JobNotFoundError(f"job {job_id} is not in the system of record")
    results = store.submissions.results(job_id)
    catalog = {d.id: d for d in store.directories.list(active_only=False)}
    rows = [_row(r, catalog.get(r.directory_id)) for r in results]
    rows.sort(key=lambda r: (STATUS_ORDER.get(r.status, 99), r.directory_name.casefold(), r.directory_id))
    if thumbnails and artifacts is not None:
        _add_thumbnails(rows, artifacts, on_progress)
    for row in rows:
        if row.thumbnail is None and row.proof_note is None:
            row.proof_note = "no proof yet" if not row.status.is_final else "no screenshot"
    return JobReport(
        job_id=job_id, customer_id=job.customer_id,
        business_name=str(job.business_data.get("business_name") or ""),
        priority=job.priority.value, job_status=job.status.value, created_at=job.created_at,
        completed_at=job.completed_at, generated_at=now or dt.datetime.now(dt.UTC), rows=rows,
        package_size=job.package_size, short_by=job.short_by or 0,
        timeline=status_timeline(store, job_id, now=now))


def _row(r: SubmissionResult, directory) -> ReportRow:
    return ReportRow(
        directory_id=r.directory_id,
        directory_name=r.directory_name or (directory.name if directory else r.directory_id),
        status=r.status, reason=r.reason, listing_url=r.listing_url,
        directory_url=str(directory.url) if directory else None,
        submitted_at=r.finished_at if r.status.is_final or r.status is SubmissionStatus.FAILED else None,
        attempts=r.attempts, proof_uri=r.screenshot_uri, proof_html_uri=r.html_uri,
        resolution=r.evidence.get("manual_resolution"))


def _add_thumbnails(rows: list[ReportRow], artifacts: ArtifactStore, on_progress: ProgressFn | None) -> None:
    todo = [r for r in rows if r.proof_uri]
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="report-thumbs") as pool:
        futures = [(row, pool.submit(_thumbnail, artifacts, row.proof_uri)) for row in todo]
        for done, (row, future) in enumerate(futures, start=1):
            row.thumbnail, row.proof_note = future.result()
            if on_progress is not None:
                on_progress(done, len(todo), row.directory_id)
