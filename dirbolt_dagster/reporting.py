"""Figures and tables a materialization shows in the UI."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

import dagster as dg

from dirbolt_core.measures import success_rate
from dirbolt_core.models import SubmissionResult
from dirbolt_core.vocabulary import SubmissionStatus
from dirbolt_dagster.markdown import cell, markdown_table


def rounded(value: Any, digits: int = 3) -> float:
    """A figure for float metadata: NaN when there is none (Dagster shows it as such)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return float("nan")
    return round(float(value), digits)


def outcomes_markdown(results: Sequence[SubmissionResult]) -> str:
    return markdown_table(["directory", "status", "reason", "listing", "proof"], [
        (r.directory_id, r.status.value, cell(r.reason, 120),
         f"[listing]({r.listing_url})" if r.listing_url else "",
         f"[screenshot]({r.screenshot_uri})" if r.screenshot_uri else "") for r in results])


def submission_metadata(results: Sequence[SubmissionResult]) -> dict:
    counts = Counter(r.status.value for r in results)
    rate = success_rate(r.status for r in results)
    return {
        "directories": len(results),
        **{f"count_{status.value}": counts.get(status.value, 0) for status in SubmissionStatus},
        "success_rate": dg.MetadataValue.float(round(rate, 4) if rate is not None else float("nan")),
        "outcomes": dg.MetadataValue.md(outcomes_markdown(results)),
    }
