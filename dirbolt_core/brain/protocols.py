"""The brain's seams, as Protocols: what the runner needs of a brain, what a brain needs of its stores.

`FormBrain` (in process) and `BrainClient` (the brain service, falling back to a FormBrain) are both
a `Brain`; `db.learned.LearnedMappingRepository` is a `LearnedStore`; `llm.CrewFieldMapper` is an
`LLMFieldMapper`. Typed here so the runner calls them directly, never by getattr/hasattr.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from dirbolt_core.brain.model import FieldMapping, FormInfo, FormMapping
    from dirbolt_core.brain.outcome import OutcomeAnalysis
    from dirbolt_core.models import BusinessProfile, Directory


@runtime_checkable
class LearnedStore(Protocol):
    """Learned mappings: read while mapping, written after a confirmed success, dropped when refused."""

    def lookup(self, signature: str, directory_id: str | None = None) -> list[dict[str, Any]] | None: ...

    def record_success(self, form: FormInfo, mapping: FormMapping, *, directory_id: str | None = None,
                       form_url: str | None = None) -> Any: ...

    def invalidate(self, directory_id: str, *, signature: str | None = None, reason: str = "invalidated") -> int: ...


class LLMFieldMapper(Protocol):
    """What the brain needs of an LLM mapper."""

    def map_fields(self, form: FormInfo, fields: Sequence[int],
                   draft: Sequence[FieldMapping]) -> dict[int, tuple[str, float]]: ...


@runtime_checkable
class Brain(Protocol):
    """What the runner, the probe and sign-in need of a form brain."""

    @property
    def remote(self) -> bool:
        """True when a brain service answers (its LLM analyser may read unclear outcomes)."""
        ...

    @property
    def learned_store(self) -> LearnedStore | None: ...

    def map_form(self, form: FormInfo, directory: Directory | None = None,
                 profile: BusinessProfile | None = None) -> FormMapping: ...

    def choose_form(self, forms: Sequence[FormInfo], directory: Directory | None = None) -> FormMapping | None: ...

    def learn(self, directory: Directory | None, form: FormInfo, mapping: FormMapping,
              form_url: str | None = None) -> None: ...

    def analyze(self, html: str, *, url: str | None = None, status_code: int | None = None,
                before_url: str | None = None, inline_messages: list[str] | None = None,
                retry_after: str | None = None) -> OutcomeAnalysis: ...
