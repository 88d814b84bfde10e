"""The directories aggregate: catalog entries (upsert with a per-row verdict), operator overrides,
readiness from probes, and what drift and trend checks read. Over the Store's pool."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from dirbolt_core.directories.readiness import DirectoryState, ProbeSummary
from dirbolt_core.models import Directory
from dirbolt_core.vocabulary import Readiness

# Catalog fields an import writes (and compares to decide updated / unchanged).
CATALOG_FIELDS = ("name", "url", "submission_url", "category", "tier", "domain_authority", "priority",
                  "rate_limit_ms", "requires_login", "has_captcha", "is_active", "selectors", "selector_hints",
                  "submit_selector", "login_url", "notes", "details")
_JSON_FIELDS = frozenset({"selectors", "selector_hints", "details"})


@dataclass
class UpsertVerdict:
    directory_id: str
    action: str  # imported | updated | unchanged
    changed: list[str] = field(default_factory=list)


@dataclass
class ProbeRecord:
    """What a probe found, as it is written to directory_probes."""

    directory_id: str
    readiness: Readiness
    reason: str | None = None
    method: str = "probe"
    form_signature: str | None = None
    mapping: list[dict[str, Any]] = field(default_factory=list)
    unmapped: list[dict[str, Any]] = field(default_factory=list)
    http_status: int | None = None
    final_url: str | None = None
    screenshot_uri: str | None = None
    html_uri: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    duration_ms: int | None = None


def _catalog_values(d: Directory) -> dict[str, Any]:
    data = d.model_dump(mode="json", include=set(CATALOG_FIELDS))
    return {k: data.get(k) for k in CATALOG_FIELDS}


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


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


class DirectoryRepository:
    def __init__(self, store: Any):
        self.store = store  # anything with connection() and transaction() (db.store.Store)

    # -------------------------------------------------------------- catalog
    def upsert(self, directories: Sequence[Directory], *, source: str | None = None, actor: str | None = None,
               dry_run: bool = False) -> list[UpsertVerdict]:
        """Insert new directories, update changed ones, leave identical ones untouched (idempotent).

        Readiness and operator overrides are never touched by an import. With dry_run nothing is
        written; the verdicts say what would happen.
        """
        verdicts: list[UpsertVerdict] = []
        with self.store.transaction() as conn:
            ids = [d.id for d in directories]
            existing = {r["id"]: r for r in conn.execute(
                "SELECT * FROM directories WHERE id = ANY(%s) FOR UPDATE", (ids,)).fetchall()}
            for d in directories:
                new = _catalog_values(d)
                row = existing.get(d.id)
                if row is None:
                    verdicts.append(UpsertVerdict(d.id, "imported"))
                    if not dry_run:
                        self._insert(conn, d.id, new, source)
                        _event(conn, d.id, "imported", {"source": source}, actor)
                    continue
                old = _catalog_values(Directory.model_validate(row))
                changed = [k for k in CATALOG_FIELDS if _canonical(old[k]) != _canonical(new[k])]
                if not changed:
                    verdicts.append(UpsertVerdict(d.id, "unchanged"))
                    continue
                verdicts.append(UpsertVerdict(d.id, "updated", changed))
                if not dry_run:
                    self._update(conn, d.id, new, source)
                    _event(conn, d.id, "updated", {"source": source, "changed": changed,
                                                  "before": {k: old[k] for k in changed if k not in _JSON_FIELDS}},
                           actor)
        return verdicts

    @staticmethod
    def _params(values: dict[str, Any]) -> dict[str, Any]:
        return {k: Jsonb(v) if k in _JSON_FIELDS else v for k, v in values.items()}

    def _insert(self, conn: psycopg.Connection, directory_id: str, values: dict[str, Any], source: str | None) -> None:
        cols = ", ".join(CATALOG_FIELDS)
        placeholders = ", ".join(f"%({k})s" for k in CATALOG_FIELDS)
        conn.execute(f"INSERT INTO directories (id, {cols}, source, updated_at) "
                     f"VALUES (%(id)s, {placeholders}, %(source)s, now()) "
                     f"ON CONFLICT (id) DO NOTHING",  # a concurrent import of the same file got there first
                     {**self._params(values), "id": directory_id, "source": source})

    def _update(self, conn: psycopg.Connection, directory_id: str, values: dict[str, Any], source: str | None) -> None:
        sets = ", ".join(f"{k} = %({k})s" for k in CATALOG_FIELDS)
        conn.execute(f"UPDATE directories SET {sets}, source = COALESCE(%(source)s, source), updated_at = now() "
                     f"WHERE id = %(id)s", {**self._params(values), "id": directory_id, "source": source})

    # -------------------------------------------------------------- reading
    def states(self, *, readiness: Readiness | None = None, ids: Iterable[str] | None = None) -> list[DirectoryState]:
        clauses, params = [], []
        if readiness is not None:
            clauses.append("d.readiness = %s")
            params.append(readiness.value)
        if ids is not None:
            clauses.append("d.id = ANY(%s)")
            params.append(list(ids))
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        with self.store.connection() as conn:
            rows = conn.execute(_STATE_SQL + where + " ORDER BY d.id", params).fetchall()
        return [_state(r) for r in rows]

    def state(self, directory_id: str) -> DirectoryState | None:
        found = self.states(ids=[directory_id])
        return found[0] if found else None

    def events(self, directory_id: str) -> list[dict[str, Any]]:
        with self.store.connection() as conn:
            return conn.execute("SELECT * FROM directory_events WHERE directory_id = %s ORDER BY id",
                                (directory_id,)).fetchall()

    # -------------------------------------------------------------- operators
    def set_enabled(self, directory_id: str, enabled: bool, *, reason: str | None, actor: str) -> DirectoryState:
        """An operator's enable/disable; it outlives re-imports of the catalog."""
        with self.store.transaction() as conn:
            row = conn.execute(
                """UPDATE directories SET operator_enabled = %s, operator_reason = %s, operator_by = %s,
                       operator_at = now(), updated_at = now() WHERE id = %s RETURNING id""",
                (enabled, reason, actor, directory_id)).fetchone()
            if row is None:
                raise KeyError(directory_id)
            _event(conn, directory_id, "enabled" if enabled else "disabled", {"reason": reason}, actor)
        state = self.state(directory_id)
        assert state is not None
        return state

    # -------------------------------------------------------------- probes
    def record_probe(self, probe: ProbeRecord, *, actor: str | None = None) -> int:
        with self.store.transaction() as conn:
            row = conn.execute(
                """INSERT INTO directory_probes (directory_id, method, readiness, reason, form_signature, mapping,
                       unmapped, http_status, final_url, screenshot_uri, html_uri, evidence, duration_ms, probed_by)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id""",
                (probe.directory_id, probe.method, probe.readiness.value, probe.reason, probe.form_signature,
                 Jsonb(probe.mapping), Jsonb(probe.unmapped), probe.http_status, probe.final_url,
                 probe.screenshot_uri, probe.html_uri, Jsonb(probe.evidence), probe.duration_ms, actor)).fetchone()
            conn.execute(
                """UPDATE directories SET readiness = %s, readiness_reason = %s, readiness_at = now(),
                       last_probe_id = %s WHERE id = %s""",
                (probe.readiness.value, probe.reason, row["id"], probe.directory_id))
        return row["id"]

    def vouch(self, ids: Iterable[str], *, reason: str, actor: str, force: bool = False) -> list[str]:
        """Mark directories ready without a probe (a known test network, a person who checked).

        Without force only directories never probed (or vouched before) are marked: a real
        probe's verdict stands. Returns the ids marked."""
        marked = []
        with self.store.transaction() as conn:
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
                _event(conn, r["id"], "vouched", {"reason": reason}, actor)
                marked.append(r["id"])
        return marked

    def probes(self, directory_id: str, *, limit: int = 20) -> list[dict[str, Any]]:
        with self.store.connection() as conn:
            return conn.execute("SELECT * FROM directory_probes WHERE directory_id = %s ORDER BY id DESC LIMIT %s",
                                (directory_id, limit)).fetchall()

    def drifted(self) -> list[dict[str, Any]]:
        """Directories whose latest probe read a form with another signature than at their last success.

        A success is a probe that found the directory ready, or a live submission the brain learned
        from (learned_mappings keeps the signature of every form filled on the way)."""
        with self.store.connection() as conn:
            return conn.execute(
                """WITH latest AS (
                       SELECT d.id, p.form_signature, p.id AS probe_id, p.probed_at
                       FROM directories d JOIN directory_probes p ON p.id = d.last_probe_id
                       WHERE p.method = 'probe' AND p.form_signature IS NOT NULL),
                   good AS (
                       SELECT l.id, (SELECT p2.form_signature FROM directory_probes p2
                                     WHERE p2.directory_id = l.id AND p2.id < l.probe_id
                                       AND p2.readiness = 'ready' AND p2.form_signature IS NOT NULL
                                     ORDER BY p2.id DESC LIMIT 1) AS ready_signature,
                              (SELECT array_agg(m.signature) FROM learned_mappings m
                               WHERE m.directory_id = l.id AND m.invalidated_at IS NULL) AS learned
                       FROM latest l)
                   SELECT l.id AS directory_id, l.form_signature AS signature, g.ready_signature,
                          g.learned AS learned_signatures, l.probed_at
                   FROM latest l JOIN good g ON g.id = l.id
                   WHERE (g.ready_signature IS NOT NULL OR g.learned IS NOT NULL)
                     AND l.form_signature IS DISTINCT FROM g.ready_signature
                     AND NOT (l.form_signature = ANY(COALESCE(g.learned, ARRAY[]::text[])))
                   ORDER BY l.id""").fetchall()

    def readiness_counts(self) -> dict[str, int]:
        """Active directories by readiness now."""
        with self.store.connection() as conn:
            rows = conn.execute(
                """SELECT readiness, count(*) AS n FROM directories
                   WHERE COALESCE(operator_enabled, is_active) GROUP BY readiness""").fetchall()
        return {r["readiness"]: r["n"] for r in rows}

    def ready_share_history(self, *, days: int = 56) -> list[dict[str, Any]]:
        """Per probing round (a day with probes): directories probed and the share found ready."""
        with self.store.connection() as conn:
            return conn.execute(
                """SELECT date_trunc('day', probed_at)::date AS day,
                          count(DISTINCT directory_id) AS probed,
                          count(DISTINCT directory_id) FILTER (WHERE readiness = 'ready') AS ready
                   FROM (SELECT DISTINCT ON (directory_id, date_trunc('day', probed_at)) directory_id, probed_at,
                                readiness
                         FROM directory_probes WHERE method = 'probe'
                           AND probed_at > now() - make_interval(days => %s)
                         ORDER BY directory_id, date_trunc('day', probed_at), id DESC) last_of_day
                   GROUP BY 1 ORDER BY 1""", (days,)).fetchall()

    def due_for_probe(self, *, older_than_days: float | None = None) -> list[str]:
        """Active directories never probed, or (older_than_days) whose last probe is older than that."""
        with self.store.connection() as conn:
            rows = conn.execute(
                """SELECT d.id FROM directories d LEFT JOIN directory_probes p ON p.id = d.last_probe_id
                   WHERE COALESCE(d.operator_enabled, d.is_active)
                     AND (d.readiness = 'unprobed'
                          OR (%(days)s::float IS NOT NULL AND p.method = 'probe'
                              AND p.probed_at < now() - make_interval(secs => %(days)s::float * 86400)))
                   ORDER BY d.id""", {"days": older_than_days}).fetchall()
        return [r["id"] for r in rows]


def _event(conn: psycopg.Connection, directory_id: str, event: str, detail: dict[str, Any] | None,
           actor: str | None) -> None:
    conn.execute("INSERT INTO directory_events (directory_id, event, detail, actor) VALUES (%s, %s, %s, %s)",
                 (directory_id, event, Jsonb(detail) if detail is not None else None, actor))
