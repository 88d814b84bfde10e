"""Directory probes (`directory_probes`): what each dry run of a submission page found, the latest
becoming the directory's readiness; form drift and the share of ready directories over time."""

from __future__ import annotations

import datetime as dt
from typing import Any

from psycopg.types.json import Jsonb
from pydantic import BaseModel, Field

from dirbolt_core.db.pool import Database
from dirbolt_core.vocabulary import Readiness


class ProbeRecord(BaseModel):
    """What a probe found, as it is written to directory_probes."""

    directory_id: str
    readiness: Readiness
    reason: str | None = None
    method: str = "probe"  # probe | vouched
    form_signature: str | None = None
    mapping: list[dict[str, Any]] = Field(default_factory=list)
    unmapped: list[dict[str, Any]] = Field(default_factory=list)
    http_status: int | None = None
    final_url: str | None = None
    screenshot_uri: str | None = None
    html_uri: str | None = None
    evidence: dict[str, Any] = Field(default_factory=dict)
    duration_ms: int | None = None


class StoredProbe(ProbeRecord):
    """A directory_probes row."""

    id: int
    probed_by: str | None = None
    probed_at: dt.datetime


class DriftedDirectory(BaseModel):
    """A directory whose latest probe read another form than at its last success."""

    directory_id: str
    signature: str | None  # now
    ready_signature: str | None = None  # at the last probe that found it ready
    learned_signatures: list[str] | None = None  # of forms filled by live submissions
    probed_at: dt.datetime


class ReadyShareDay(BaseModel):
    """One probing round (a day with probes): directories probed, how many found ready."""

    day: dt.date
    probed: int
    ready: int


class ProbeRepository:
    def __init__(self, db: Database):
        self._db = db

    def record(self, probe: ProbeRecord, *, actor: str | None = None) -> int:
        """Store a probe and make its verdict the directory's readiness; returns the probe's id."""
        with self._db.transaction() as conn:
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

    def history(self, directory_id: str, *, limit: int = 20) -> list[StoredProbe]:
        """A directory's probes and vouches, latest first."""
        with self._db.connection() as conn:
            rows = conn.execute("SELECT * FROM directory_probes WHERE directory_id = %s ORDER BY id DESC LIMIT %s",
                                (directory_id, limit)).fetchall()
        return [StoredProbe.model_validate(r) for r in rows]

    def drifted(self) -> list[DriftedDirectory]:
        """Directories whose latest probe read a form with another signature than at their last success.

        A success is a probe that found the directory ready, or a live submission the brain learned
        from (learned_mappings keeps the signature of every form filled on the way)."""
        with self._db.connection() as conn:
            rows = conn.execute(
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
        return [DriftedDirectory.model_validate(r) for r in rows]

    def ready_share_history(self, *, days: int = 56) -> list[ReadyShareDay]:
        """Per probing round (a day with probes): directories probed and how many found ready."""
        with self._db.connection() as conn:
            rows = conn.execute(
                """SELECT date_trunc('day', probed_at)::date AS day,
                          count(DISTINCT directory_id) AS probed,
                          count(DISTINCT directory_id) FILTER (WHERE readiness = 'ready') AS ready
                   FROM (SELECT DISTINCT ON (directory_id, date_trunc('day', probed_at)) directory_id, probed_at,
                                readiness
                         FROM directory_probes WHERE method = 'probe'
                           AND probed_at > now() - make_interval(days => %s)
                         ORDER BY directory_id, date_trunc('day', probed_at), id DESC) last_of_day
                   GROUP BY 1 ORDER BY 1""", (days,)).fetchall()
        return [ReadyShareDay.model_validate(r) for r in rows]
