"""Operator metrics over finished submissions: success rate and p95 latency per directory and per
day, directories whose success dropped (form drift, site changes), queue depth over time.

Reads the system of record through `store.reporting` (pandas over one query each); Dagster-free.
Latency is DESIGN.md's: processing time without the rate-limit wait. A row without a processing
time (a planned row whose claim did not set started_at) is timed from its first `claimed` event
in queue_history to finished_at. Success rate is
(submitted + approved) / (all − skipped − pending_verification). Shadow and legacy rows are left out.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dirbolt_core.measures import counts_toward_success, latency_s
from dirbolt_core.vocabulary import SubmissionStatus

if TYPE_CHECKING:  # pandas costs ~0.7 s to import: only the metric assets load it, not every run
    import pandas as pd

    from dirbolt_core.db.store import Store

RESULT_COLUMNS = ["job_id", "directory_id", "directory_name", "status", "reason", "finished_at",
                  "processing_time_seconds", "rate_limit_wait_ms"]


def _now(now: dt.datetime | None) -> dt.datetime:
    return (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)


def _present(value):
    """None for a missing figure (pandas holds it as NaN)."""
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def load_results(store: Store, *, days: int = 7, now: dt.datetime | None = None) -> pd.DataFrame:
    """Finished live submissions of the last `days` days, one row each, with day/success/latency."""
    import pandas as pd

    rows = [r.model_dump() for r in store.reporting.finished(days=days, now=_now(now))]
    frame = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    frame["finished_at"] = pd.to_datetime(frame["finished_at"], utc=True)
    frame["day"] = frame["finished_at"].dt.strftime("%Y-%m-%d")
    # The measures' own definitions (measures.py), row by row: the frames are a week of one platform.
    frame["counted"] = frame["status"].map(counts_toward_success).astype(bool)
    frame["succeeded"] = frame["status"].map(lambda s: SubmissionStatus(s).is_success).astype(bool)
    frame["latency_s"] = pd.Series([latency_s(_present(p), _present(w)) for p, w in zip(
        frame["processing_time_seconds"], frame["rate_limit_wait_ms"], strict=True)], index=frame.index, dtype=float)
    return frame


def success_and_latency(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Per group: finished, counted, succeeded, success_rate, p50/p95 latency, count per failure status."""
    import pandas as pd

    columns = [*by, "finished", "counted", "succeeded", "success_rate", "p50_latency_s", "p95_latency_s",
               "needs_manual", "rejected", "failed", "skipped"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    grouped = frame.groupby(by, sort=True)
    out = grouped.agg(finished=("status", "size"), counted=("counted", "sum"), succeeded=("succeeded", "sum"))
    out["success_rate"] = (out["succeeded"] / out["counted"]).where(out["counted"] > 0)
    # Linear interpolation: the same p95 as the per-job check (statistics.quantiles, inclusive).
    out["p50_latency_s"] = grouped["latency_s"].quantile(0.5)
    out["p95_latency_s"] = grouped["latency_s"].quantile(0.95)
    for status in ("needs_manual", "rejected", "failed", "skipped"):
        out[status] = grouped["status"].agg(lambda s, status=status: int((s == status).sum()))
    return out.reset_index()[columns]


@dataclass(frozen=True)
class DropRule:
    """A directory dropped when its recent success rate fell well below its own baseline.

    recent = the last `recent_days`; baseline = the rest of the lookback. Both need enough
    submissions, the fall must be at least `min_drop` (absolute) and unlikely to be chance
    (one-sided two-proportion z-test, z >= min_z).
    """

    recent_days: float = 2.0
    min_recent: int = 5
    min_baseline: int = 10
    min_drop: float = 0.25
    min_z: float = 2.0


DROP_COLUMNS = ["directory_id", "directory_name", "baseline_rate", "baseline_n", "recent_rate", "recent_n",
                "drop", "z", "dropped", "top_recent_reason"]


def success_drops(frame: pd.DataFrame, *, now: dt.datetime | None = None, rule: DropRule = DropRule()
                  ) -> pd.DataFrame:
    """Every directory with its baseline and recent success; `dropped` marks the drifted ones."""
    import pandas as pd

    if frame.empty:
        return pd.DataFrame(columns=DROP_COLUMNS)
    cutoff = pd.Timestamp(_now(now) - dt.timedelta(days=rule.recent_days))
    counted = frame[frame["counted"]]
    out = []
    for directory_id, rows in counted.groupby("directory_id", sort=True):
        recent = rows[rows["finished_at"] > cutoff]
        base = rows[rows["finished_at"] <= cutoff]
        n1, n2 = len(base), len(recent)
        s1, s2 = int(base["succeeded"].sum()), int(recent["succeeded"].sum())
        p1 = s1 / n1 if n1 else None
        p2 = s2 / n2 if n2 else None
        drop = (p1 - p2) if p1 is not None and p2 is not None else None
        z = _z_drop(s1, n1, s2, n2)
        failures = recent.loc[~recent["succeeded"], "reason"].dropna()
        top = failures.value_counts().index[0] if not failures.empty else None
        dropped = (n1 >= rule.min_baseline and n2 >= rule.min_recent and drop is not None
                   and drop >= rule.min_drop and z is not None and z >= rule.min_z)
        out.append({"directory_id": directory_id, "directory_name": rows["directory_name"].iloc[0],
                    "baseline_rate": p1, "baseline_n": n1, "recent_rate": p2, "recent_n": n2, "drop": drop,
                    "z": z, "dropped": bool(dropped), "top_recent_reason": top})
    result = pd.DataFrame(out, columns=DROP_COLUMNS)
    return result.sort_values(["dropped", "drop"], ascending=[False, False], na_position="last",
                              ignore_index=True)


def _z_drop(s1: int, n1: int, s2: int, n2: int) -> float | None:
    if not n1 or not n2:
        return None
    pooled = (s1 + s2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 0.0
    return (s1 / n1 - s2 / n2) / se


def queue_depth_from_jobs(store: Store, *, days: int = 7, now: dt.datetime | None = None,
                          step_minutes: int = 60) -> pd.DataFrame:
    """Jobs waiting (queued, not started) and running at each step, from the jobs table's timestamps."""
    import pandas as pd

    points = store.reporting.queue_depth(days=days, now=_now(now), step_minutes=step_minutes)
    rows = [p.model_dump() for p in points]
    frame = pd.DataFrame(rows, columns=["at", "waiting", "running"])
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame


SPARK = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float | None]) -> str:
    """Rates in 0..1 as block characters; a gap where a day had nothing."""
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            out.append("·")
        else:
            out.append(SPARK[min(len(SPARK) - 1, max(0, round(v * (len(SPARK) - 1))))])
    return "".join(out)
