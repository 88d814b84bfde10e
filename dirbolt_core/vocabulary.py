"""The one field vocabulary every mapping, profile and store speaks (DESIGN.md)."""

from __future__ import annotations

from enum import StrEnum

PROFILE_KEYS: tuple[str, ...] = (
    "business_name",
    "website",
    "email",
    "phone",
    "fax",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "country",
    "description",
    "short_description",
    "category",
    "keywords",
    "contact_name",
    "contact_first_name",
    "contact_last_name",
    "contact_title",
    "hours",
    "logo",
    "year_founded",
    "facebook_url",
    "twitter_url",
    "linkedin_url",
    "instagram_url",
)

CONTROL_KEYS: tuple[str, ...] = (
    "honeypot",
    "captcha",
    "terms_checkbox",
    "newsletter_checkbox",
    "username",
    "password",
    "password_confirm",
    "email_confirm",
    "submit",
    "unknown",
)

CANONICAL_KEYS: frozenset[str] = frozenset(PROFILE_KEYS + CONTROL_KEYS)


class Priority(StrEnum):
    """Package tiers; they double as run priorities (enterprise first)."""

    STARTER = "starter"
    GROWTH = "growth"
    PROFESSIONAL = "professional"
    ENTERPRISE = "enterprise"

    @property
    def rank(self) -> int:
        return _PRIORITY_RANK[self]

    @property
    def max_concurrent_submissions(self) -> int:
        # What the legacy packages promised per tier.
        return _PRIORITY_CONCURRENCY[self]

    @property
    def default_package_size(self) -> int:
        return _PACKAGE_SIZES[self]


_PRIORITY_RANK = {
    Priority.STARTER: 1,
    Priority.GROWTH: 2,
    Priority.PROFESSIONAL: 3,
    Priority.ENTERPRISE: 4,
}
_PRIORITY_CONCURRENCY = {
    Priority.STARTER: 1,
    Priority.GROWTH: 2,
    Priority.PROFESSIONAL: 3,
    Priority.ENTERPRISE: 5,
}
# DirectoryBolt's public packages.
_PACKAGE_SIZES = {
    Priority.STARTER: 50,
    Priority.GROWTH: 100,
    Priority.PROFESSIONAL: 200,
    Priority.ENTERPRISE: 500,
}

MAX_PACKAGE_SIZE = 1000


class SubmissionStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    NEEDS_MANUAL = "needs_manual"
    # Sent, and the directory mailed a confirmation link: neither a success nor a failure until
    # the link is opened (issue 14 classifies it, issue 19 verifies it).
    PENDING_VERIFICATION = "pending_verification"
    # Live, but the listing's name/address/phone differ from the profile (listing follow-up).
    NAP_MISMATCH = "nap_mismatch"
    REJECTED = "rejected"
    FAILED = "failed"
    SKIPPED = "skipped"

    @property
    def is_final(self) -> bool:
        """Final statuses are never submitted again; failed is retried on a rerun."""
        return self in FINAL_STATUSES

    @property
    def is_success(self) -> bool:
        return self in (SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED)


FINAL_STATUSES = frozenset(
    {
        SubmissionStatus.SUBMITTED,
        SubmissionStatus.APPROVED,
        SubmissionStatus.NEEDS_MANUAL,
        SubmissionStatus.PENDING_VERIFICATION,
        SubmissionStatus.NAP_MISMATCH,
        SubmissionStatus.REJECTED,
        SubmissionStatus.SKIPPED,
    }
)


class JobStatus(StrEnum):
    ORDERED = "ordered"  # in the system of record (NULL status), no message accepted yet
    QUEUED = "queued"  # durable in the system of record, run requested
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"  # run retries exhausted; message dead-lettered
    REJECTED = "rejected"  # invalid job (bad business data); dead-lettered
    # Its run was cancelled (UI "Terminate") or deleted: visible, not final for its directories;
    # `dirbolt rerun JOB` puts it back in the queue and only what is left is submitted.
    CANCELLED = "cancelled"


# What the legacy poller writes in jobs.status, read on the new scale.
_LEGACY_JOB_STATUS = {
    None: JobStatus.ORDERED,
    "pending": JobStatus.ORDERED,
    "in_progress": JobStatus.RUNNING,
    "paused": JobStatus.ORDERED,  # an operator paused it before or while the poller worked on it
    "processing": JobStatus.RUNNING,
    "complete": JobStatus.COMPLETED,
    "done": JobStatus.COMPLETED,
    "cancelled": JobStatus.CANCELLED,
    "error": JobStatus.FAILED,
}


def job_status_from_db(value: str | None) -> JobStatus:
    try:
        return JobStatus(value) if value is not None else JobStatus.ORDERED
    except ValueError:
        return _LEGACY_JOB_STATUS.get(value, JobStatus.ORDERED)


class Readiness(StrEnum):
    """What the last probe of a directory's submission page found (DESIGN.md, Directory readiness)."""

    UNPROBED = "unprobed"  # imported, never probed (or vouched): not planned
    READY = "ready"  # a listing form whose required fields all map with confidence
    NEEDS_REVIEW = "needs_review"  # required fields unmapped or mapped with low confidence
    LOGIN_REQUIRED = "login_required"  # a sign-in stands before the form
    CAPTCHA = "captcha"  # a captcha a person must solve
    NO_FORM = "no_form"  # the page loads but shows no listing form
    UNREACHABLE = "unreachable"  # DNS, TLS, connection, 4xx/5xx


PROBE_READINESS: tuple[Readiness, ...] = tuple(r for r in Readiness if r is not Readiness.UNPROBED)
