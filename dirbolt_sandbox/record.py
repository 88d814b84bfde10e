"""What the sandbox received: the ground truth for exactly-once and exact-value tests."""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

# confirmed / reused / expired: clicks on a confirmation-mail link (sites/mail.py).
Outcome = Literal["accepted", "spam", "refused", "invalid", "throttled", "unavailable", "confirmed", "reused",
                  "expired"]


@dataclass
class ReceivedSubmission:
    seq: int
    site: str
    received_at: float
    outcome: Outcome
    fields: dict[str, Any]
    reason: str | None = None
    listing_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class SubmissionRecord:
    """Thread-safe, in-memory; one per sandbox process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[ReceivedSubmission] = []
        # (site, normalised business name, digits of phone) of accepted listings
        self._listings: dict[tuple[str, str, str], str] = {}

    def add(self, site: str, outcome: Outcome, fields: dict[str, Any], *, reason: str | None = None,
            listing_id: str | None = None, **extra: Any) -> ReceivedSubmission:
        with self._lock:
            item = ReceivedSubmission(
                seq=len(self._items) + 1, site=site, received_at=time.time(), outcome=outcome,
                fields=dict(fields), reason=reason, listing_id=listing_id, extra=extra,
            )
            self._items.append(item)
            return item

    def find_listing(self, site: str, name: str, phone: str) -> str | None:
        with self._lock:
            return self._listings.get((site, _norm_name(name), _digits(phone)))

    def add_listing(self, site: str, name: str, phone: str, listing_id: str) -> None:
        with self._lock:
            self._listings[(site, _norm_name(name), _digits(phone))] = listing_id

    def by_listing(self, site: str, listing_id: str) -> dict[str, Any] | None:
        """The accepted submission that created a listing."""
        with self._lock:
            for item in self._items:
                if item.site == site and item.listing_id == listing_id and item.outcome == "accepted":
                    return asdict(item)
        return None

    def items(self, site: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(i) for i in self._items if site is None or i.site == site]

    def reset(self) -> None:
        with self._lock:
            self._items.clear()
            self._listings.clear()


def _norm_name(name: str) -> str:
    return " ".join(name.lower().split())


def _digits(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())[-10:]
