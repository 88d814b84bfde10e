"""The legacy platform's words for what dirbolt writes into its tables (issue 16). No database here.

The legacy platform reads the same `jobs` and `job_results` rows dirbolt writes: its poller, its
dashboards and its own functions. What it understands:
- business data in camelCase (`businessName`, `address`, `zip`, ...) and as columns of `jobs`;
- a job's `customer_name` and `customer_email`, its `priority_level` (1 = highest);
- its own status words (the statuses themselves are mapped by SQL functions of migration 012,
  `dirbolt_legacy_job_status` and `dirbolt_legacy_submission_status`, so that every writer of a
  dirbolt row, whatever its code path, keeps the legacy column valid);
- a directory's `directory_tier` among standard, premium and enterprise;
- `assigned_to`: who works on a job. dirbolt's name there says that a job runs on dirbolt.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from dirbolt_core.vocabulary import PROFILE_KEYS, Priority

# Written in jobs.assigned_to of every job dirbolt runs live: the legacy dashboards show who works
# on a job there, and the legacy poller never takes a job that is not pending.
DIRBOLT_ASSIGNEE = "dirbolt"

LEGACY_JOB_STATUSES = ("pending", "in_progress", "completed", "failed", "paused", "cancelled")
LEGACY_SUBMISSION_STATUSES = ("pending", "processing", "submitted", "approved", "rejected", "failed", "skipped")
LEGACY_DIRECTORY_TIERS = ("standard", "premium", "enterprise")

# The legacy package order: enterprise jobs first (priority_level 1).
_LEGACY_PRIORITY_LEVEL = {
    Priority.ENTERPRISE: 1,
    Priority.PROFESSIONAL: 2,
    Priority.GROWTH: 3,
    Priority.STARTER: 4,
}


def legacy_priority_level(priority: Priority) -> int:
    return _LEGACY_PRIORITY_LEVEL[priority]


def legacy_directory_tier(tier: int) -> str:
    """dirbolt's tier (1 is best) on the legacy scale: the best directories are the enterprise ones."""
    if tier <= 1:
        return "enterprise"
    return "premium" if tier == 2 else "standard"


# Legacy keys whose snake_case form is not the profile's key.
_KEY_SYNONYMS = {
    "address": "address_line1",
    "address1": "address_line1",
    "street_address": "address_line1",
    "address2": "address_line2",
    "zip": "postal_code",
    "zip_code": "postal_code",
    "postcode": "postal_code",
    "company_name": "business_name",
    "business_description": "description",
    "phone_number": "phone",
    "website_url": "website",
    "logo_url": "logo",
    "first_name": "contact_first_name",
    "last_name": "contact_last_name",
    "target_keywords": "keywords",
}
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

# The legacy jobs table's business columns (a later legacy migration) and the profile key of each.
LEGACY_BUSINESS_COLUMNS = {
    "business_name": "business_name",
    "email": "email",
    "phone": "phone",
    "website": "website",
    "address": "address_line1",
    "city": "city",
    "state": "state",
    "zip": "postal_code",
    "description": "description",
    "category": "category",
}


def profile_key(key: str) -> str | None:
    """The profile key a business-data key means, in either style (`businessName`, `zip`), or None."""
    if key in PROFILE_KEYS:
        return key
    snake = _CAMEL_BOUNDARY.sub("_", key).lower()
    snake = _KEY_SYNONYMS.get(snake, snake)
    return snake if snake in PROFILE_KEYS else None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def canonical_business_data(data: Mapping[str, Any] | None,
                            columns: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Business data under the profile's keys, whichever style it was written in.

    Profile keys are kept as they are (None values included, so that data dirbolt wrote reads back
    unchanged); a legacy key fills its profile key when that has no value (absent or None); then the
    legacy business columns of the job (`columns`) fill what still has none. A value written under
    the profile's key, even an empty one, is never replaced by another copy. Keys that mean nothing
    to the profile are left out.
    """
    data = data or {}
    out = {k: v for k, v in data.items() if k in PROFILE_KEYS}
    for key, value in data.items():
        target = None if key in PROFILE_KEYS else profile_key(key)
        if target is not None and out.get(target) is None and not _blank(value):
            out[target] = value
    for column, target in LEGACY_BUSINESS_COLUMNS.items():
        value = (columns or {}).get(column)
        if out.get(target) is None and not _blank(value):
            out[target] = value
    return out


def legacy_business_view(data: Mapping[str, Any]) -> dict[str, Any]:
    """The camelCase keys legacy readers look for, from canonical business data (values set only)."""
    line1, line2 = data.get("address_line1"), data.get("address_line2")
    # Only with a first line: a legacy "address" reads back as address_line1.
    address = ", ".join(p for p in (line1, line2) if p) if line1 else None
    view = {"businessName": data.get("business_name"), "address": address, "zip": data.get("postal_code")}
    return {k: v for k, v in view.items() if v is not None}


def legacy_business_columns(data: Mapping[str, Any]) -> dict[str, str | None]:
    """The legacy jobs table's business columns, from canonical business data."""
    out = {column: data.get(key) for column, key in LEGACY_BUSINESS_COLUMNS.items()}
    out["address"] = legacy_business_view(data).get("address")
    return {k: (str(v) if v is not None else None) for k, v in out.items()}


def legacy_customer(data: Mapping[str, Any]) -> tuple[str, str]:
    """(customer_name, customer_email) for the legacy NOT NULL columns: the contact, else the business.

    A profile without an e-mail gives '' (the column is NOT NULL and the legacy platform has no
    other e-mail for a customer it never had).
    """
    name = data.get("contact_name") or " ".join(
        p for p in (data.get("contact_first_name"), data.get("contact_last_name")) if p)
    name = name or data.get("business_name") or ""
    return str(name), str(data.get("email") or "")
