"""Learned mappings (`learned_mappings`, sql/006_learned_mappings.sql).

After a confirmed successful submission the runner calls `record_success(form, mapping,
directory_id=...)`; the next time a form with the same signature is mapped, `lookup`
returns the stored decisions and the brain marks them strategy "learned".

Form drift: a directory's form whose signature no longer matches what was learned there
has the old mapping invalidated (kept for the record, never reused); the current form is
mapped afresh and learned again after its own success.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from psycopg.types.json import Jsonb
from pydantic import BaseModel

from dirbolt_core.brain.mapper import field_identity
from dirbolt_core.brain.model import FormInfo, FormMapping
from dirbolt_core.db.pool import Database

log = logging.getLogger(__name__)

_NO_DIRECTORY = ""


class LearnedMapping(BaseModel):
    """One learned_mappings row: the field decisions for a form signature (at a directory)."""

    id: int
    directory_id: str
    signature: str
    form_url: str | None = None
    fields: list[dict[str, Any]]
    successes: int
    uses: int
    created_at: dt.datetime
    updated_at: dt.datetime
    last_success_at: dt.datetime
    last_used_at: dt.datetime | None = None
    invalidated_at: dt.datetime | None = None
    invalidated_reason: str | None = None


class LearnedMappingRepository:
    """The brain's learned store (`LearnedStore`), over the Store's pool; safe to share between threads."""

    def __init__(self, db: Database):
        self._db = db

    # ------------------------------------------------------------------ read
    def lookup(self, signature: str, directory_id: str | None = None) -> list[dict[str, Any]] | None:
        """The stored field decisions for this form, or None.

        With a directory: its own mapping for this signature; if it only has mappings for
        other signatures, those are invalidated (form drift). Without one (or when this
        directory never learned the form): a valid mapping of the same form learned elsewhere.
        """
        with self._db.connection() as conn:
            row = None
            if directory_id:
                row = conn.execute(
                    "SELECT id, fields FROM learned_mappings WHERE directory_id = %s AND signature = %s"
                    " AND invalidated_at IS NULL", (directory_id, signature)).fetchone()
                if row is None:
                    drifted = conn.execute(
                        "UPDATE learned_mappings SET invalidated_at = now(), updated_at = now(),"
                        " invalidated_reason = %s WHERE directory_id = %s AND signature <> %s"
                        " AND invalidated_at IS NULL RETURNING signature",
                        (f"form drift: signature is now {signature}", directory_id, signature)).fetchall()
                    if drifted:
                        log.info("learned mapping of %s invalidated: form drift (%s -> %s)", directory_id,
                                 ", ".join(r["signature"] for r in drifted), signature)
            if row is None:
                row = conn.execute(
                    "SELECT id, fields FROM learned_mappings WHERE signature = %s AND invalidated_at IS NULL"
                    " ORDER BY successes DESC, last_success_at DESC LIMIT 1", (signature,)).fetchone()
            if row is None:
                return None
            conn.execute("UPDATE learned_mappings SET uses = uses + 1, last_used_at = now() WHERE id = %s",
                         (row["id"],))
            return list(row["fields"])

    def get(self, directory_id: str | None, signature: str) -> LearnedMapping | None:
        """The stored row (valid or not), for operators and tests."""
        with self._db.connection() as conn:
            row = conn.execute("SELECT * FROM learned_mappings WHERE directory_id = %s AND signature = %s",
                               (directory_id or _NO_DIRECTORY, signature)).fetchone()
        return LearnedMapping.model_validate(row) if row else None

    def for_directory(self, directory_id: str) -> list[LearnedMapping]:
        with self._db.connection() as conn:
            rows = conn.execute("SELECT * FROM learned_mappings WHERE directory_id = %s ORDER BY id",
                                (directory_id,)).fetchall()
        return [LearnedMapping.model_validate(r) for r in rows]

    # ----------------------------------------------------------------- write
    def record_success(self, form: FormInfo, mapping: FormMapping, *, directory_id: str | None = None,
                       form_url: str | None = None) -> None:
        """Store (or confirm again) the mapping a successful submission used."""
        if len(mapping.fields) != len(form.fields) or mapping.signature != form.signature:
            raise ValueError("the mapping does not belong to this form")
        fields = [
            {"identity": field_identity(f), "name": f.name, "id": f.id, "key": m.key, "part": m.part,
             "parts": m.parts, "format": m.format}
            for f, m in zip(form.fields, mapping.fields, strict=True)
        ]
        with self._db.connection() as conn:
            conn.execute(
                """INSERT INTO learned_mappings (directory_id, signature, form_url, fields)
                   VALUES (%s, %s, %s, %s)
                   ON CONFLICT (directory_id, signature) DO UPDATE SET
                       fields = EXCLUDED.fields, form_url = COALESCE(EXCLUDED.form_url, learned_mappings.form_url),
                       successes = learned_mappings.successes + 1, last_success_at = now(), updated_at = now(),
                       invalidated_at = NULL, invalidated_reason = NULL""",
                (directory_id or _NO_DIRECTORY, form.signature, form_url, Jsonb(fields)))

    def invalidate(self, directory_id: str, *, signature: str | None = None, reason: str = "invalidated") -> int:
        """Stop reusing a directory's mapping(s): after a failure they caused, or by hand."""
        with self._db.connection() as conn:
            cur = conn.execute(
                "UPDATE learned_mappings SET invalidated_at = now(), invalidated_reason = %s, updated_at = now()"
                " WHERE directory_id = %s AND (%s::text IS NULL OR signature = %s) AND invalidated_at IS NULL",
                (reason, directory_id, signature, signature))
            return cur.rowcount
