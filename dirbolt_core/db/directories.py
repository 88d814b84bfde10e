"""The directory catalog (`directories`, `directory_events`): catalog entries (upsert with a per-row
verdict), operator overrides, vouches, and each directory's state with its latest probe.

Probes themselves (what a dry run found, drift, the ready share over time) are db/probes.py.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from pydantic import BaseModel, Field

from dirbolt_core.db.pool import Database, reconnecting
from dirbolt_core.directories.readiness import DirectoryState, ProbeSummary
from dirbolt_core.models import Directory
from dirbolt_core.vocabulary import Readiness

# Catalog fields an import writes (and compares to decide updated / unchanged).
CATALOG_FIELDS = ("name", "url", "submission_url", "category", "tier", "domain_authority", "priority",
                  "rate_limit_ms", "requires_login", "has_captcha", "is_active", "selectors", "selector_hints",
                  "submit_selector", "login_url", "notes", "details")
_JSON_FIELDS = frozenset({"selectors", "selector_hints", "details"})


class UpsertVerdict(BaseModel):
    directory_id: str
    action: str  # imported | updated | unchanged
    changed: list[str] = Field(default_factory=list)


class DirectoryEvent(BaseModel):
    """One row of directory_events: what happened to a directory and who did it."""

    id: int
    directory_id: str
    event: str  # imported | updated | enabled | disabled | vouched
    detail: dict[str, Any] | None = None
    actor: str | None = None
    at: dt.datetime


def _catalog_values(d: Directory) -> dict[str, Any]:
    data = d.model_dump(mode="json", include=set(CATALOG_FIELDS))
    return {k: data.get(k) for k in CATALOG_FIELDS}


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _params(values: dict[str, Any]) -> dict[str, Any]:
    return {k: Jsonb(v) if k in _JSON_FIELDS else v for k, v in values.items()}


_STATE_SQL = """
    SELECT d.*, p.id AS p_id, p.method AS p_method, p.readiness AS p_readiness, p.reason AS p_reason,
           p.form_signature AS p_form_signature, p.unmapped AS p_unmapped, p.screenshot_uri AS p_screenshot_uri,
           p.http_status AS p_http_status, p.probed_at AS p_probed_at, p.evidence -> 'behind_login' AS p_behind
    FROM directories d LEFT JOIN directory_probes p ON p.id = d.last_probe_id
"""


def _state(row: dict[str, Any]) -> DirectoryState:
    probe = None
    if row.get("p_id") is not None:
        behind = row.get("p_behind") or {}
        probe = ProbeSummary(
            id=row["p_id"], method=row["p_method"], readiness=Readiness(row["p_readiness"]), reason=row["p_reason"],
            form_signature=row["p_form_signature"], unmapped=row["p_unmapped"] or [],
            screenshot_uri=row["p_screenshot_uri"], http_status=row["p_http_status"], probed_at=row["p_probed_at"],
            behind_login=Readiness(behind["readiness"]) if behind.get("readiness") else None,
            behind_login_reason=behind.get("reason"), signed_in=behind.get("signed_in"))
    return DirectoryState(
        directory=Directory.model_validate(row), readiness=Readiness(row["readiness"]),
        readiness_reason=row["readiness_reason"], readiness_at=row["readiness_at"],
        operator_enabled=row["operator_enabled"], operator_reason=row["operator_reason"],
        operator_by=row["operator_by"], source=row["source"], probe=probe)


def record_event(conn: psycopg.Connection, directory_id: str, event: str, detail: dict[str, Any] | None,
                 actor: str | None) -> None:
    """Append one directory event on `conn` (inside the caller's transaction)."""
    conn.execute("INSERT INTO directory_events (directory_id, event, detail, actor) VALUES (%s, %s, %s, %s)",
                 (directory_id, event, Jsonb(detail) if detail is not None else None, actor))


class DirectoryRepository:
    def __init__(self, db: Database):
        self._db = db

    # -------------------------------------------------------------- catalog
    def upsert(self, directories: Sequence[Directory], *, source: str | None = None, actor: str | None = "code",
               dry_run: bool = False, vouch: str | None = None) -> list[UpsertVerdict]:
        """Insert new directories, update changed ones, leave identical ones untouched (idempotent).

        Readiness and operator overrides are never touched by an import. With dry_run nothing is
        written; the verdicts say what would happen. `vouch`: also mark them ready without a probe,
        for this reason (a known test network); otherwise new ones wait for their probe.
        """
        verdicts: list[UpsertVerdict] = []
        with self._db.transaction() as conn:
            ids = [d.id for d in directories]
            existing = {r["id"]: r for r in conn.execute(
                "SELECT * FROM directories WHERE id = ANY(%s) FOR UPDATE", (ids,)).fetchall()}
            for d in directories:
                new = _catalog_values(d)
                row = existing.get(d.id)
                if row is None:
                    verdicts.append(UpsertVerdict(directory_id=d.id, action="imported"))
                    if not dry_run:
                        self._insert(conn, d.id, new, source)
                        record_event(conn, d.id, "imported", {"source": source}, actor)
                    continue
                old = _catalog_values(Directory.model_validate(row))
                changed = [k for k in CATALOG_FIELDS if _canonical(old[k]) != _canonical(new[k])]
                if not changed:
                    verdicts.append(UpsertVerdict(directory_id=d.id, action="unchanged"))
                    continue
                verdicts.append(UpsertVerdict(directory_id=d.id, action="updated", changed=changed))
                if not dry_run:
                    self._update(conn, d.id, new, source)
                    record_event(conn, d.id, "updated", {
                        "source": source, "changed": changed,
                        "before": {k: old[k] for k in changed if k not in _JSON_FIELDS}}, actor)
        if vouch and not dry_run:
            self.vouch([d.id for d in directories], reason=vouch, actor=actor or "code")
        return verdicts

    @staticmethod
    def _insert(conn: psycopg.Connection, directory_id: str, values: dict[str, Any], source: str | None) -> None:
        cols = ", ".join(CATALOG_FIELDS)
        placeholders = ", ".join(f"%({k})s" for k in CATALOG_FIELDS)
        conn.execute(f"INSERT INTO directories (id, {cols}, source, updated_at) "
                     f"VALUES (%(id)s, {placeholders}, %(source)s, now()) "
                     f"ON CONFLICT (id) DO NOTHING",  # a concurrent import of the same file got there first
                     {**_params(values), "id": directory_id, "source": source})

    @staticmethod
    def _update(conn: psycopg.Connection, directory_id: str, values: dict[str, Any], source: str | None) -> None:
        sets = ", ".join(f"{k} = %({k})s" for k in CATALOG_FIELDS)
        conn.execute(f"UPDATE directories SET {sets}, source = COALESCE(%(source)s, source), updated_at = now() "
                     f"WHERE id = %(id)s", {**_params(values), "id": directory_id, "source": source})

    # -------------------------------------------------------------- reading
    @reconnecting
    def list(self, *, active_only: bool = True) -> list[Directory]:
        sql = "SELECT * FROM directories"
        if active_only:
            sql += " WHERE is_active"
        with self._db.connection() as conn:
            return [Directory.model_validate(r) for r in conn.execute(sql + " ORDER BY id").fetchall()]

    def get(self, directory_id: str) -> Directory | None:
        with self._db.connection() as conn:
            row = conn.execute("SELECT * FROM directories WHERE id = %s", (directory_id,)).fetchone()
        return Directory.model_validate(row) if row else None

    def states(self, *, readiness: Readiness | None = None, ids: Iterable[str] | None = None) -> list[DirectoryState]:
        """Directories with their readiness, operator override and latest probe (or vouch)."""
        clauses, params = [], []
        if readiness is not None:
            clauses.append("d.readiness = %s")
            params.append(readiness.value)
        if ids is not None:
            clauses.append("d.id = ANY(%s)")
            params.append(list(ids))
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._db.connection() as conn:
            rows = conn.execute(_STATE_SQL + where + " ORDER BY d.id", params).fetchall()
        return [_state(r) for r in rows]

    def state(self, directory_id: str) -> DirectoryState | None:
        found = self.states(ids=[directory_id])
        return found[0] if found else None

    def events(self, directory_id: str) -> list[DirectoryEvent]:
        with self._db.connection() as conn:
            rows = conn.execute("SELECT * FROM directory_events WHERE directory_id = %s ORDER BY id",
                                (directory_id,)).fetchall()
        return [DirectoryEvent.model_validate(r) for r in rows]

    def readiness_counts(self) -> dict[str, int]:
        """Active directories by readiness now."""
        with self._db.connection() as conn:
            rows = conn.execute(
                """SELECT readiness, count(*) AS n FROM directories
                   WHERE COALESCE(operator_enabled, is_active) GROUP BY readiness""").fetchall()
        return {r["readiness"]: r["n"] for r in rows}

    def due_for_probe(self, *, older_than_days: float | None = None) -> list[str]:
        """Active directories never probed, or (older_than_days) whose last probe is older than that."""
        with self._db.connection() as conn:
            rows = conn.execute(
                """SELECT d.id FROM directories d LEFT JOIN directory_probes p ON p.id = d.last_probe_id
                   WHERE COALESCE(d.operator_enabled, d.is_active)
                     AND (d.readiness = 'unprobed'
                          OR (%(days)s::float IS NOT NULL AND p.method = 'probe'
                              AND p.probed_at < now() - make_interval(secs => %(days)s::float * 86400)))
                   ORDER BY d.id""", {"days": older_than_days}).fetchall()
        return [r["id"] for r in rows]

    # -------------------------------------------------------------- operators
    def set_enabled(self, directory_id: str, enabled: bool, *, reason: str | None, actor: str) -> DirectoryState:
        """An operator's enable/disable; it outlives re-imports of the catalog."""
        with self._db.transaction() as conn:
            row = conn.execute(
                """UPDATE directories SET operator_enabled = %s, operator_reason = %s, operator_by = %s,
                       operator_at = now(), updated_at = now() WHERE id = %s RETURNING id""",
                (enabled, reason, actor, directory_id)).fetchone()
            if row is None:
                raise KeyError(directory_id)
            record_event(conn, directory_id, "enabled" if enabled else "disabled", {"reason": reason}, actor)
        state = self.state(directory_id)
        assert state is not None
        return state

    def vouch(self, ids: Iterable[str], *, reason: str, actor: str, force: bool = False) -> list[str]:
        """Mark directories ready without a probe (a known test network, a person who checked).

        Without force only directories never probed (or vouched before) are marked: a real
        probe's verdict stands. Returns the ids marked."""
        marked = []
        with self._db.transaction() as conn:
            rows = conn.execute(
                """SELECT d.id FROM directories d LEFT JOIN directory_probes p ON p.id = d.last_probe_id
                   WHERE d.id = ANY(%s) AND (%s OR d.readiness = 'unprobed' OR p.method = 'vouched')
                   ORDER BY d.id FOR UPDATE OF d""", (list(ids), force)).fetchall()
            for r in rows:
                probe_id = conn.execute(
                    """INSERT INTO directory_probes (directory_id, method, readiness, reason, probed_by)
                       VALUES (%s, 'vouched', 'ready', %s, %s) RETURNING id""", (r["id"], reason, actor)).fetchone()
                conn.execute("""UPDATE directories SET readiness = 'ready', readiness_reason = %s,
                                    readiness_at = now(), last_probe_id = %s WHERE id = %s""",
                             (reason, probe_id["id"], r["id"]))
                record_event(conn, r["id"], "vouched", {"reason": reason}, actor)
                marked.append(r["id"])
        return marked
