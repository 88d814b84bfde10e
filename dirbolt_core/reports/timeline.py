"""A job's directories over the days since submission: live, pending, needs action (from queue_history).

Each directory's status at the end of day d is the last status its audit trail gave it by then;
day 0 is the day of the job's first recorded outcome. Skipped rows count in none of the lines.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from dataclasses import dataclass, field

from dirbolt_core.db.store import Store

BUCKETS: dict[str, frozenset[str]] = {
    "live": frozenset({"approved", "nap_mismatch"}),
    "pending": frozenset({"submitted", "pending_verification", "pending", "processing"}),
    "needs action": frozenset({"needs_manual", "rejected", "failed"}),
}
_OUTCOMES = frozenset({"submitted", "approved", "needs_manual", "pending_verification", "nap_mismatch", "rejected",
                       "failed", "skipped"})


@dataclass
class Timeline:
    start: dt.datetime
    days: list[int] = field(default_factory=list)
    lines: dict[str, list[int]] = field(default_factory=dict)  # bucket -> count per day

    def last(self) -> dict[str, int]:
        return {name: values[-1] for name, values in self.lines.items()}


def bucket_of(status: str) -> str | None:
    return next((name for name, statuses in BUCKETS.items() if status in statuses), None)


def status_timeline(store: Store, job_id: uuid.UUID | str, *, now: dt.datetime | None = None,
                    max_days: int = 90) -> Timeline | None:
    """None while nothing of the job has an outcome yet."""
    now = now or dt.datetime.now(dt.UTC)
    events = [e for e in store.audit.history(job_id, entity="submission") if e.to_status and e.directory_id]
    outcomes = [e.at for e in events if e.to_status in _OUTCOMES]
    if not outcomes:
        return None
    start = min(outcomes)
    span = min(max((now - start).days, 0), max_days)
    timeline = Timeline(start=start, days=list(range(span + 1)), lines={name: [] for name in BUCKETS})
    for day in timeline.days:
        until = min(start + dt.timedelta(days=day + 1), now)
        latest: dict[str, str] = {}
        for e in events:
            if e.at <= until:
                latest[e.directory_id] = e.to_status
        counts = Counter(bucket_of(s) for s in latest.values())
        for name in BUCKETS:
            timeline.lines[name].append(counts.get(name, 0))
    return timeline
