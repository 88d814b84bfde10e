"""The manual work queue: live rows a person must act on (`needs_manual`), and what they did.

A resolution moves the row from `needs_manual` to submitted, approved, rejected or skipped in one
transaction with its record (`dirbolt_manual_resolutions`, one per row) and its audit event: the
row is locked and re-read first, so a second resolution (the same person twice, two people at
once) is refused, never applied over the first. Shadow rows are predictions, never queued.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from typing import Any

from psycopg.types.json import Jsonb
from pydantic import BaseModel, Field, ValidationError

from dirbolt_core.db.audit import record
from dirbolt_core.db.pool import Database, reconnecting
from dirbolt_core.models import BusinessProfile
from dirbolt_core.vocabulary import SubmissionStatus

RESOLVABLE = (SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED, SubmissionStatus.REJECTED,
              SubmissionStatus.SKIPPED)


class ManualItem(BaseModel):
    """One row waiting for a person, with what they need to act on it."""

    job_id: uuid.UUID
    directory_id: str
    directory_name: str | None = None
    submission_url: str | None = None
    reason: str | None = None
    screenshot_uri: str | None = None
    html_uri: str | None = None
    since: dt.datetime | None = None
    age_s: float = 0.0
    attempts: int = 0
    # A previous attempt pressed submit and never saw the answer: when, and what was recorded.
    unknown_outcome: bool = False
    submit_pressed_at: dt.datetime | None = None
    evidence: dict[str, Any] = Field(default_factory=dict)
    # What a person pastes into the form: the profile's values; and what the runner had filled.
    profile: dict[str, Any] = Field(default_factory=dict)
    field_values: dict[str, Any] = Field(default_factory=dict)


class Resolution(BaseModel):
    job_id: uuid.UUID
    directory_id: str
    from_status: str
    to_status: SubmissionStatus
    reason_before: str | None = None
    note: str | None = None
    listing_url: str | None = None
    resolved_by: str
    resolved_at: dt.datetime


class NotInQueueError(LookupError):
    """No live row of that job and directory waits for a person (unknown, or not needs_manual)."""


class AlreadyResolvedError(NotInQueueError):
    """The row was resolved already; the first resolution stands."""

    def __init__(self, resolution: Resolution):
        self.resolution = resolution
        super().__init__(f"already resolved as {resolution.to_status.value} by {resolution.resolved_by} "
                         f"at {resolution.resolved_at:%Y-%m-%d %H:%M UTC}")


_PASTE_KEYS = ("business_name", "website", "email", "phone", "address_line1", "address_line2", "city", "state",
               "postal_code", "country", "category", "short_description", "description", "contact_name")

_ITEM_SQL = """SELECT r.job_id, r.directory_id, r.directory_name::text AS directory_name,
       COALESCE(d.submission_url, r.directory_url::text) AS submission_url, r.reason, r.screenshot_uri, r.html_uri,
       r.finished_at AS since, EXTRACT(EPOCH FROM now() - COALESCE(r.finished_at, r.created_at))::float AS age_s,
       r.attempts, r.submit_started_at AS submit_pressed_at, COALESCE(r.evidence, '{}'::jsonb) AS evidence,
       COALESCE(r.field_values, '{}'::jsonb) AS field_values, j.business_data
   FROM job_results r JOIN jobs j ON j.id = r.job_id LEFT JOIN directories d ON d.id = r.directory_id
   WHERE r.idempotency_key IS NOT NULL AND r.status = 'needs_manual'"""


def _item(row: dict[str, Any]) -> ManualItem:
    data = row.pop("business_data") or {}
    with contextlib.suppress(ValidationError):  # a legacy job's camelCase data reads as a profile too
        data = BusinessProfile.model_validate(data).model_dump(mode="json")
    profile = {k: data[k] for k in _PASTE_KEYS if data.get(k)}
    reason = row.get("reason") or ""
    return ManualItem(**row, profile=profile, unknown_outcome=reason.startswith("outcome unknown"))


class ManualQueue:
    def __init__(self, db: Database):
        self._db = db

    @reconnecting
    def list(self, job_id: uuid.UUID | str | None = None) -> list[ManualItem]:
        """Rows waiting for a person, oldest first."""
        where, params = ("", ()) if job_id is None else (" AND r.job_id = %s", (job_id,))
        with self._db.connection() as conn:
            rows = conn.execute(f"{_ITEM_SQL}{where} ORDER BY r.finished_at NULLS FIRST, r.directory_id",
                                params).fetchall()
        return [_item(dict(r)) for r in rows]

    @reconnecting
    def get(self, job_id: uuid.UUID | str, directory_id: str) -> ManualItem | None:
        with self._db.connection() as conn:
            row = conn.execute(f"{_ITEM_SQL} AND r.job_id = %s AND r.directory_id = %s",
                               (job_id, directory_id)).fetchone()
        return _item(dict(row)) if row else None

    def resolve(self, job_id: uuid.UUID | str, directory_id: str, *, status: SubmissionStatus | str, by: str,
                note: str | None = None, listing_url: str | None = None) -> Resolution:
        """Record what a person did: once. Raises NotInQueueError / AlreadyResolvedError, ValueError."""
        status = SubmissionStatus(status)
        if status not in RESOLVABLE:
            raise ValueError(f"a resolution is one of {', '.join(s.value for s in RESOLVABLE)}, not {status.value}")
        by = (by or "").strip()
        if not by:
            raise ValueError("a resolution names the person who made it (--by)")
        if listing_url is not None and not listing_url.startswith(("http://", "https://")):
            raise ValueError("a listing URL starts with http:// or https://")
        with self._db.transaction() as conn:
            row = conn.execute(
                """SELECT idempotency_key, status, reason FROM job_results
                   WHERE job_id = %s AND directory_id = %s AND idempotency_key IS NOT NULL FOR UPDATE""",
                (job_id, directory_id)).fetchone()
            if row is None:
                raise NotInQueueError(f"job {job_id} has no live row for directory {directory_id}")
            if row["status"] != SubmissionStatus.NEEDS_MANUAL.value:
                earlier = self._resolution(conn, row["idempotency_key"])
                if earlier is not None:
                    raise AlreadyResolvedError(earlier)
                raise NotInQueueError(f"{directory_id} of job {job_id} is {row['status']}, not needs_manual")
            resolved = conn.execute(
                """INSERT INTO dirbolt_manual_resolutions (idempotency_key, job_id, directory_id, from_status,
                       to_status, reason_before, note, listing_url, resolved_by)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING *""",
                (row["idempotency_key"], job_id, directory_id, row["status"], status.value, row["reason"], note,
                 listing_url, by)).fetchone()
            resolution = Resolution.model_validate(resolved)
            reason = f"resolved by hand ({by})" + (f": {note}" if note else "")
            conn.execute(
                """UPDATE job_results SET status = %(status)s, reason = %(reason)s,
                       rejection_reason = CASE WHEN %(status)s = 'rejected' THEN %(reason)s END,
                       listing_url = COALESCE(%(url)s, listing_url),
                       evidence = COALESCE(evidence, '{}'::jsonb) || jsonb_build_object('manual_resolution', %(res)s),
                       updated_at = now()
                   WHERE idempotency_key = %(key)s""",
                {"status": status.value, "reason": reason, "url": listing_url, "key": row["idempotency_key"],
                 "res": Jsonb(resolution.model_dump(mode="json", exclude={"job_id", "directory_id"}))})
            record(conn, entity="submission", event="manual_resolved", job_id=job_id, directory_id=directory_id,
                   from_status=row["status"], to_status=status.value,
                   detail={"note": note, "listing_url": listing_url, "reason_before": row["reason"]}, actor=by)
        return resolution

    @staticmethod
    def _resolution(conn: Any, key: str) -> Resolution | None:
        row = conn.execute("SELECT * FROM dirbolt_manual_resolutions WHERE idempotency_key = %s", (key,)).fetchone()
        return Resolution.model_validate(row) if row else None

    @reconnecting
    def resolutions(self, job_id: uuid.UUID | str | None = None) -> list[Resolution]:
        where, params = ("", ()) if job_id is None else ("WHERE job_id = %s", (job_id,))
        with self._db.connection() as conn:
            rows = conn.execute(f"SELECT * FROM dirbolt_manual_resolutions {where} ORDER BY id", params).fetchall()
        return [Resolution.model_validate(r) for r in rows]

    def send_to_queue(self, key: str, *, from_status: SubmissionStatus, reason: str, actor: str,
                      evidence: dict[str, Any] | None = None) -> bool:
        """Hand a row over to a person (e.g. an e-mail link that expired). Only from `from_status`:
        False when the row had moved on meanwhile."""
        with self._db.transaction() as conn:
            row = conn.execute(
                """UPDATE job_results SET status = 'needs_manual', reason = %(reason)s,
                       evidence = COALESCE(evidence, '{}'::jsonb) || %(evidence)s, updated_at = now()
                   WHERE idempotency_key = %(key)s AND status = %(from)s RETURNING job_id, directory_id""",
                {"reason": reason, "evidence": Jsonb(evidence or {}), "key": key, "from": from_status.value},
            ).fetchone()
            if row is None:
                return False
            record(conn, entity="submission", event="sent_to_manual_queue", job_id=row["job_id"],
                   directory_id=row["directory_id"], from_status=from_status.value, to_status="needs_manual",
                   detail={"reason": reason}, actor=actor)
        return True
