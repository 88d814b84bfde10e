"""The directory catalog file and the plan of which directories a job submits to."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import TypeAdapter

from dirbolt_core.models import Directory

if TYPE_CHECKING:
    from dirbolt_core.db.store import Store

SANDBOX_PLACEHOLDER = "${SANDBOX_URL}"
_DIRECTORIES = TypeAdapter(list[Directory])


class CatalogError(ValueError):
    pass


def load_catalog(path: Path, *, sandbox_url: str | None = None) -> list[Directory]:
    text = path.read_text()
    if SANDBOX_PLACEHOLDER in text:
        if not sandbox_url:
            raise CatalogError(f"{path} names sandbox sites; set DIRBOLT_SANDBOX_URL (or run the sandbox)")
        text = text.replace(SANDBOX_PLACEHOLDER, sandbox_url.rstrip("/"))
    try:
        directories = _DIRECTORIES.validate_python(json.loads(text))
    except (json.JSONDecodeError, ValueError) as exc:
        raise CatalogError(f"{path}: {exc}") from exc
    ids = [d.id for d in directories]
    if len(set(ids)) != len(ids):
        raise CatalogError(f"{path}: directory ids must be unique")
    return directories


def sync_catalog(store: Store, path: Path, *, sandbox_url: str | None = None) -> int:
    """Load the catalog file into the system of record (insert or update each directory); returns the count."""
    return store.directories.upsert(load_catalog(path, sandbox_url=sandbox_url))


def plan_directories(
    directories: Sequence[Directory], package_size: int, *, has_credentials: bool = False
) -> list[Directory]:
    """The package's directories, best first: tier, then domain authority, then catalog priority.

    Directories that cannot apply are skipped: inactive ones, and those behind a login
    when the customer gave no credentials.
    """
    usable = [d for d in directories if d.is_active and (has_credentials or not d.requires_login)]
    usable.sort(key=lambda d: (d.tier, -d.domain_authority, -d.priority, d.id))
    return usable[:package_size]
