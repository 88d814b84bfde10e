"""The migration gates and what they say about the next phase."""

from __future__ import annotations

from dataclasses import dataclass

from dirbolt_core.db.store import Store
from dirbolt_core.migration.routing import RolloutSettings

AGREEMENT_GATE = 0.95
SUCCESS_GATE = 0.90
P95_GATE_S = 300.0


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
    """The gates of the next phase. In shadow (0% live) they are measured on shadow runs: a form
    found and filled, ready to submit, is a predicted success, and the fill's time is the latency;
    from the first live phase on, on live submissions."""
    settings = store.rollout_settings()
    mode = "shadow" if settings.routing_percent == 0 else "live"
    figures = store.gate_figures(days=days, mode=mode)
    compared, agreeing = figures["compared"], figures["agreeing"]
    agreement = agreeing / compared if compared else None
    counted, succeeded = figures["counted"], figures["succeeded"]
    success = succeeded / counted if counted else None
    p95 = figures["p95_latency_s"]
    work = "shadow runs" if mode == "shadow" else "live submissions"
    none_yet = f"no {'shadow run' if mode == 'shadow' else 'live submission'} yet"
    succeeded_text = ("shadow forms filled and ready to submit (predicted successes)" if mode == "shadow"
                      else "live submissions succeeded")
    gates = [
        Gate("legacy agreement", agreement, AGREEMENT_GATE, True,
             f"{agreeing}/{compared} directories agree" if compared else "no directory compared yet"),
        Gate("success rate", success, SUCCESS_GATE, True,
             f"{succeeded}/{counted} {succeeded_text}" if counted else none_yet),
        Gate("p95 latency", float(p95) if p95 is not None else None, P95_GATE_S, False,
             f"p95 {float(p95):.1f}s of {work}" if p95 is not None else none_yet),
    ]
    return MigrationStatus(settings=settings, gates=gates)
