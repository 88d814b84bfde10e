"""E-mail verification's data: rows waiting for their confirmation mail, the mails dealt with (once),
and the row's move to submitted/approved (only from pending_verification, audited)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from psycopg.types.json import Jsonb
from pydantic import BaseModel

from dirbolt_core.db.audit import record
from dirbolt_core.db.pool import Database, reconnecting
from dirbolt_core.vocabulary import SubmissionStatus


class LiveRow(BaseModel):
    """A live row of job_results with where its directory lives (what the follow-ups look at)."""

    key: str
    job_id: uuid.UUID
    directory_id: str
    directory_name: str | None = None
    directory_url: str | None = None
    submission_url: str | None = None
    finished_at: dt.datetime | None = None


class PendingRow(LiveRow):
    business_name: str = ""
    email: str = ""


class VerificationMail(BaseModel):
    id: int
    message_id: str
    job_id: uuid.UUID | None = None
    directory_id: str | None = None
    sender: str | None = None
    subject: str | None = None
    link: str | None = None
    action: str
    outcome: str | None = None
    detail: str | None = None
    mail_uri: str | None = None
    page_uri: str | None = None


_PENDING_SQL = """SELECT r.idempotency_key AS key, r.job_id, r.directory_id, r.directory_name::text AS directory_name,
       COALESCE(d.url, r.directory_url::text) AS directory_url, d.submission_url, r.finished_at,
       COALESCE(j.business_data->>'business_name', j.business_data->>'businessName', '') AS business_name,
       COALESCE(j.business_data->>'email', '') AS email
   FROM job_results r JOIN jobs j ON j.id = r.job_id LEFT JOIN directories d ON d.id = r.directory_id
   WHERE r.idempotency_key IS NOT NULL AND r.status = 'pending_verification'"""


class VerificationRepository:
    def __init__(self, db: Database):
        self._db = db

    @reconnecting
    def pending(self, *, finished_before: dt.datetime | None = None) -> list[PendingRow]:
        """Rows waiting for a confirmation mail (only those finished before `finished_before`)."""
        where, params = ("", ()) if finished_before is None else (" AND r.finished_at < %s", (finished_before,))
        with self._db.connection() as conn:
            rows = conn.execute(f"{_PENDING_SQL}{where} ORDER BY r.finished_at", params).fetchall()
        return [PendingRow.model_validate(r) for r in rows]

    @reconnecting
    def handled(self, message_id: str) -> bool:
        with self._db.connection() as conn:
            return conn.execute("SELECT 1 FROM dirbolt_verification_mails WHERE message_id = %s",
                                (message_id,)).fetchone() is not None

    def claim_mail(self, *, message_id: str, action: str, row: PendingRow | None = None, sender: str = "",
                   subject: str = "", received_at: dt.datetime | None = None, link: str | None = None,
                   detail: str | None = None, mail_uri: str | None = None) -> int | None:
        """Record a mail as dealt with; None when another verifier already has it (then leave it alone)."""
        with self._db.connection() as conn:
            got = conn.execute(
                """INSERT INTO dirbolt_verification_mails (message_id, job_id, directory_id, idempotency_key, sender,
                       subject, received_at, link, action, detail, mail_uri)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                   ON CONFLICT (message_id) DO NOTHING RETURNING id""",
                (message_id, row.job_id if row else None, row.directory_id if row else None, row.key if row else None,
                 sender, subject, received_at, link, action, detail, mail_uri)).fetchone()
        return got["id"] if got else None

    @reconnecting
    def finish_mail(self, mail_id: int, *, outcome: str | None, detail: str | None = None,
                    page_uri: str | None = None) -> None:
        with self._db.connection() as conn:
            conn.execute("""UPDATE dirbolt_verification_mails SET outcome = %s, detail = COALESCE(%s, detail),
                                page_uri = %s WHERE id = %s""", (outcome, detail, page_uri, mail_id))

    def confirm(self, key: str, *, status: SubmissionStatus, reason: str, actor: str,
                listing_url: str | None = None, evidence: dict[str, Any] | None = None) -> bool:
        """pending_verification -> submitted/approved; False when the row had moved on meanwhile."""
        if status not in (SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED):
            raise ValueError(f"a confirmation ends submitted or approved, not {status.value}")
        with self._db.transaction() as conn:
            row = conn.execute(
                """UPDATE job_results SET status = %(status)s, reason = %(reason)s,
                       listing_url = COALESCE(%(url)s, listing_url),
                       evidence = COALESCE(evidence, '{}'::jsonb) || %(evidence)s, updated_at = now()
                   WHERE idempotency_key = %(key)s AND status = 'pending_verification'
                   RETURNING job_id, directory_id""",
                {"status": status.value, "reason": reason, "url": listing_url, "key": key,
                 "evidence": Jsonb(evidence or {})}).fetchone()
            if row is None:
                return False
            record(conn, entity="submission", event="email_verified", job_id=row["job_id"],
                   directory_id=row["directory_id"], from_status="pending_verification", to_status=status.value,
                   detail={"reason": reason, "listing_url": listing_url}, actor=actor)
        return True

    @reconnecting
    def mails(self, job_id: uuid.UUID | str | None = None) -> list[VerificationMail]:
        where, params = ("", ()) if job_id is None else ("WHERE job_id = %s", (job_id,))
        with self._db.connection() as conn:
            rows = conn.execute(f"SELECT * FROM dirbolt_verification_mails {where} ORDER BY id", params).fetchall()
        return [VerificationMail.model_validate(r) for r in rows]
