"""The migration gates and what they say about the next phase."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dirbolt_core.measures import (
    AGREEMENT_GATE,
    P95_LATENCY_GATE_S,
    SUCCESS_RATE_GATE,
    counts_toward_success,
    latency_s,
    p95,
    success_rate,
)
from dirbolt_core.migration.routing import RolloutSettings
from dirbolt_core.vocabulary import SubmissionStatus

if TYPE_CHECKING:
    from dirbolt_core.db.store import Store


@dataclass(frozen=True)
class Gate:
    name: str
    figure: float | None
    threshold: float
    higher_is_better: bool
    detail: str

    @property
    def met(self) -> bool:
        if self.figure is None:
            return False
        return self.figure > self.threshold if self.higher_is_better else self.figure < self.threshold


@dataclass(frozen=True)
class MigrationStatus:
    settings: RolloutSettings
    gates: list[Gate]

    @property
    def phase(self) -> str:
        return self.settings.phase

    @property
    def next_phase(self) -> str | None:
        nxt = self.settings.next_percent
        if nxt is None:
            return None if not self.settings.legacy_comparison else "cutover"
        return f"live {nxt}%"

    @property
    def blockers(self) -> list[str]:
        return [f"{g.name}: {g.detail}" for g in self.gates if not g.met]

    @property
    def ready_for_next(self) -> bool:
        return self.next_phase is not None and not self.blockers


def migration_status(store: Store, *, days: int = 7) -> MigrationStatus:
    """The gates over the last `days` of live work: agreement with legacy, success rate, p95 latency."""
    overall = store.rollout.agreement(days=days)[0]
    compared, agreeing = overall.compared, overall.agreeing
    agreement = agreeing / compared if compared else None
    finished = store.reporting.finished_live(days=days)
    statuses = [SubmissionStatus(r.status) for r in finished]
    counted = sum(1 for s in statuses if counts_toward_success(s))
    succeeded = sum(1 for s in statuses if s.is_success)
    success = success_rate(statuses)
    latency = p95(v for r in finished if (v := latency_s(r.processing_time_seconds, r.rate_limit_wait_ms))
                  is not None)
    gates = [
        Gate("legacy agreement", agreement, AGREEMENT_GATE, True,
             f"{agreeing}/{compared} directories agree" if compared else "no directory compared yet"),
        Gate("success rate", success, SUCCESS_RATE_GATE, True,
             f"{succeeded}/{counted} live submissions succeeded" if counted else "no live submission yet"),
        Gate("p95 latency", latency, P95_LATENCY_GATE_S, False,
             f"p95 {latency:.1f}s of live submissions" if latency is not None else "no live submission yet"),
    ]
    return MigrationStatus(settings=store.rollout.settings(), gates=gates)
