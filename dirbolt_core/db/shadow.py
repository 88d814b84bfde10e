"""Where dirbolt's submission rows live (migration 013).

Live submissions are rows of the shared `job_results` (with an idempotency key; the legacy
platform reads them as its own kind of result). Shadow runs never submit: their rows hold a
predicted outcome and live in `dirbolt_shadow_results`, which no legacy reader selects. Both
tables have the same dirbolt columns, so one piece of SQL serves both.
"""

from __future__ import annotations

LIVE_TABLE = "job_results"
SHADOW_TABLE = "dirbolt_shadow_results"

# The columns dirbolt reads back from either table, with one type each.
_COLUMNS = """idempotency_key, job_id, directory_id, directory_name::text AS directory_name,
    directory_url::text AS directory_url, status, reason, listing_url::text AS listing_url, attempts, confidence,
    screenshot_uri, html_uri, field_values, evidence, started_at, finished_at,
    processing_time_seconds::float AS processing_time_seconds, rate_limit_wait_ms, created_at, shadow"""

# Every row dirbolt wrote, live and shadow: use as `FROM {RESULTS} r`.
RESULTS = (f"(SELECT {_COLUMNS} FROM {LIVE_TABLE} WHERE idempotency_key IS NOT NULL "
           f"UNION ALL SELECT {_COLUMNS} FROM {SHADOW_TABLE})")

# Seconds a submission took: from its own timestamps (the legacy column keeps whole seconds).
LATENCY_S = "COALESCE(EXTRACT(EPOCH FROM r.finished_at - r.started_at)::float, r.processing_time_seconds)"


def results_table(shadow: bool) -> str:
    return SHADOW_TABLE if shadow else LIVE_TABLE
