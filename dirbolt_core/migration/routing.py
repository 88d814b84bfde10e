"""Live or shadow, per job, by a stable hash of its id."""

from __future__ import annotations

import hashlib
import uuid
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel

if TYPE_CHECKING:
    from dirbolt_core.db.store import Store

Mode = Literal["live", "shadow"]
BUCKETS = 10_000
PHASES = (0, 10, 50, 100)


def bucket(job_id: uuid.UUID | str) -> int:
    """0..9999, the same for a job id forever (sha256, not Python's salted hash())."""
    return int.from_bytes(hashlib.sha256(str(job_id).encode()).digest()[:8], "big") % BUCKETS


def route(job_id: uuid.UUID | str, routing_percent: int) -> Mode:
    if not 0 <= routing_percent <= 100:
        raise ValueError("routing percent must be between 0 and 100")
    return "live" if bucket(job_id) < routing_percent * BUCKETS // 100 else "shadow"


class RolloutSettings(BaseModel, frozen=True):
    routing_percent: int
    legacy_comparison: bool
    updated_by: str | None = None

    @property
    def phase(self) -> str:
        if self.routing_percent == 0:
            return "shadow"
        if self.routing_percent == 100 and not self.legacy_comparison:
            return "cutover"
        return f"live {self.routing_percent}%"

    @property
    def next_percent(self) -> int | None:
        later = [p for p in PHASES if p > self.routing_percent]
        return later[0] if later else None


def decide_routing(store: Store, job_id: uuid.UUID | str, *, actor: str) -> Mode:
    """Live or shadow, decided once per job by the rollout setting of the moment and recorded."""
    settings = store.rollout.settings()
    mode = route(job_id, settings.routing_percent)
    recorded = store.jobs.record_routing(job_id, mode, routing_percent=settings.routing_percent, actor=actor)
    return recorded or mode
