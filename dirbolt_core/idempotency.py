"""Idempotency keys: one key per (job, directory, business data)."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any


def canonical_json(data: Any) -> str:
    """JSON with sorted keys and no insignificant whitespace: equal data, equal text."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def idempotency_key(job_id: uuid.UUID | str, directory_id: str, business_data: dict[str, Any],
                    *, mode: str = "live") -> str:
    """SHA-256 over job id, directory id and the canonical JSON of the business data.

    Shadow work (filled, never submitted) gets its own keys, so it can never stand in
    for, or block, a live submission of the same job and directory.
    """
    # A unit separator keeps ("ab", "c") and ("a", "bc") apart.
    parts = (str(job_id), directory_id, canonical_json(business_data))
    if mode != "live":
        parts = (mode, *parts)
    material = "\x1f".join(parts)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()
