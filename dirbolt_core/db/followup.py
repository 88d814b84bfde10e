"""Listing follow-up's data: submitted rows to look at again, and what the look found.

A live listing moves the row from submitted to approved or nap_mismatch (only from submitted,
audited); a listing not live yet keeps the row submitted with the check in its evidence
(`followup`: when, how many days since submission, overdue against the directory's time to approval).
"""

from __future__ import annotations

import uuid
from typing import Any

from psycopg.types.json import Jsonb
from pydantic import Field

from dirbolt_core.db.audit import record
from dirbolt_core.db.pool import Database, reconnecting
from dirbolt_core.db.verification import LiveRow
from dirbolt_core.vocabulary import SubmissionStatus


class FollowupRow(LiveRow):
    listing_url: str | None = None
    business_data: dict[str, Any] = Field(default_factory=dict)
    details: dict[str, Any] = Field(default_factory=dict)


class FollowupRepository:
    def __init__(self, db: Database):
        self._db = db

    @reconnecting
    def due(self, job_id: uuid.UUID | str | None = None) -> list[FollowupRow]:
        """Live rows accepted and waiting for the directory's approval (submitted), oldest first."""
        where, params = ("", ()) if job_id is None else (" AND r.job_id = %s", (job_id,))
        with self._db.connection() as conn:
            rows = conn.execute(
                f"""SELECT r.idempotency_key AS key, r.job_id, r.directory_id, r.directory_name::text AS directory_name,
                           COALESCE(d.url, r.directory_url::text) AS directory_url, d.submission_url,
                           r.listing_url::text AS listing_url, r.finished_at,
                           COALESCE(j.business_data, '{{}}'::jsonb) AS business_data,
                           COALESCE(d.details, '{{}}'::jsonb) AS details
                    FROM job_results r JOIN jobs j ON j.id = r.job_id LEFT JOIN directories d ON d.id = r.directory_id
                    WHERE r.idempotency_key IS NOT NULL AND r.status = 'submitted'{where}
                    ORDER BY r.finished_at, r.directory_id""", params).fetchall()
        return [FollowupRow.model_validate(r) for r in rows]

    def mark_live(self, key: str, *, status: SubmissionStatus, listing_url: str, reason: str, actor: str,
                  followup: dict[str, Any]) -> bool:
        """submitted -> approved / nap_mismatch; False when the row had moved on meanwhile."""
        if status not in (SubmissionStatus.APPROVED, SubmissionStatus.NAP_MISMATCH):
            raise ValueError(f"a live listing is approved or nap_mismatch, not {status.value}")
        with self._db.transaction() as conn:
            row = conn.execute(
                """UPDATE job_results SET status = %(status)s, reason = %(reason)s, listing_url = %(url)s,
                       evidence = COALESCE(evidence, '{}'::jsonb) || jsonb_build_object('followup', %(followup)s),
                       updated_at = now()
                   WHERE idempotency_key = %(key)s AND status = 'submitted' RETURNING job_id, directory_id""",
                {"status": status.value, "reason": reason, "url": listing_url, "key": key,
                 "followup": Jsonb(followup)}).fetchone()
            if row is None:
                return False
            record(conn, entity="submission", event=f"listing_{status.value}", job_id=row["job_id"],
                   directory_id=row["directory_id"], from_status="submitted", to_status=status.value,
                   detail={"listing_url": listing_url, "reason": reason,
                           "differences": followup.get("differences")}, actor=actor)
        return True

    @reconnecting
    def note_not_live(self, key: str, *, followup: dict[str, Any], reason: str | None = None) -> None:
        """The listing is not live yet: keep the row submitted, record the check (and, when overdue, why)."""
        with self._db.connection() as conn:
            conn.execute(
                """UPDATE job_results SET reason = COALESCE(%(reason)s, reason),
                       evidence = COALESCE(evidence, '{}'::jsonb) || jsonb_build_object('followup', %(followup)s),
                       updated_at = now()
                   WHERE idempotency_key = %(key)s AND status = 'submitted'""",
                {"reason": reason, "followup": Jsonb(followup), "key": key})
