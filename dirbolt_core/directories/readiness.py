"""A directory's state beside its catalog entry (readiness, operator override) and who may be planned.

Plans use `ready` directories, and `login_required` ones the secret store holds credentials
for; everything else is left out with the reason `dirbolt directories list` shows.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from dirbolt_core.models import Directory
from dirbolt_core.vocabulary import Readiness

# Below this confidence a required field's mapping is a guess a person should confirm.
CONFIDENT = 0.6


class ProbeSummary(BaseModel):
    """The latest probe (or vouch) of a directory, as plans and lists need it."""

    id: int
    method: str = "probe"  # probe | vouched
    readiness: Readiness
    reason: str | None = None
    form_signature: str | None = None
    unmapped: list[dict[str, Any]] = Field(default_factory=list)
    screenshot_uri: str | None = None
    http_status: int | None = None
    probed_at: datetime | None = None
    # A login-required directory probed with credentials: what the form behind the sign-in is.
    behind_login: Readiness | None = None
    behind_login_reason: str | None = None
    signed_in: bool | None = None  # None: the probe had no credentials to sign in with


class DirectoryState(BaseModel):
    directory: Directory
    readiness: Readiness = Readiness.UNPROBED
    readiness_reason: str | None = None
    readiness_at: datetime | None = None
    operator_enabled: bool | None = None  # None: follow the catalog's is_active
    operator_reason: str | None = None
    operator_by: str | None = None
    source: str | None = None
    probe: ProbeSummary | None = None

    @property
    def id(self) -> str:
        return self.directory.id

    @property
    def active(self) -> bool:
        return self.operator_enabled if self.operator_enabled is not None else self.directory.is_active


def plan_exclusion(state: DirectoryState, *, has_credentials: bool) -> str | None:
    """None when the directory may be planned, else why it is left out (never a secret in it)."""
    if not state.active:
        if state.operator_enabled is False:
            return f"disabled by {state.operator_by or 'an operator'}: {state.operator_reason or 'no reason given'}"
        return "inactive in the catalog"
    readiness = state.readiness
    login_needed = readiness is Readiness.LOGIN_REQUIRED or (
        readiness is Readiness.READY and state.directory.requires_login)
    if login_needed:
        if not has_credentials:
            return ("login required: the secret store holds no credentials for this directory "
                    "(DIRBOLT_DIRECTORY_CREDENTIALS or DIRBOLT_CREDENTIALS_FILE)")
        if state.probe is not None and state.probe.signed_in is False:
            return f"login required: the stored credentials were refused at the last probe ({state.probe.reason})"
        behind = state.probe.behind_login if state.probe else None
        if behind is not None and behind is not Readiness.READY:
            return f"behind the sign-in: {behind.value} ({state.probe.behind_login_reason or 'see the probe'})"
        return None
    if readiness is Readiness.READY:
        return None
    if readiness is Readiness.UNPROBED:
        return "never probed: run `dirbolt directories probe` (or wait for the readiness sensor)"
    return f"{readiness.value}: {state.readiness_reason or 'see the last probe'}"


def rank(directory: Directory) -> tuple:
    """Best first: tier (1 first), then domain authority, then the catalog's priority."""
    return (directory.tier, -directory.domain_authority, -directory.priority, directory.id)


@dataclass
class DirectoryPlan:
    directories: list[Directory]
    package_size: int
    # Directories left out and why (only those that could otherwise have filled the package).
    excluded: dict[str, str]
    usable: int

    @property
    def short_by(self) -> int:
        return max(0, self.package_size - len(self.directories))


def plan_directories(states: Sequence[DirectoryState], package_size: int, *,
                     credential_ids: Collection[str] = ()) -> DirectoryPlan:
    """The package's directories, best first, from those that may be planned."""
    usable: list[Directory] = []
    excluded: dict[str, str] = {}
    for state in states:
        reason = plan_exclusion(state, has_credentials=state.id in credential_ids)
        if reason is None:
            usable.append(state.directory)
        else:
            excluded[state.id] = reason
    usable.sort(key=rank)
    return DirectoryPlan(directories=usable[:package_size], package_size=package_size, excluded=excluded,
                         usable=len(usable))


def shortfall_reason(plan: DirectoryPlan) -> str | None:
    if not plan.short_by:
        return None
    kinds: dict[str, int] = {}
    for reason in plan.excluded.values():
        kind = reason.split(":", 1)[0]
        kinds[kind] = kinds.get(kind, 0) + 1
    left_out = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1])) or "none"
    return (f"package of {plan.package_size} but only {plan.usable} directories can be planned "
            f"(short by {plan.short_by}; left out: {left_out})")
