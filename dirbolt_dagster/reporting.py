"""Figures and tables a materialization shows in the UI."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

import dagster as dg

from dirbolt_core.artifacts import ArtifactStore
from dirbolt_core.measures import success_rate
from dirbolt_core.models import SubmissionResult
from dirbolt_core.settings import get_settings
from dirbolt_core.vocabulary import SubmissionStatus
from dirbolt_core.web.links import ArtifactLinks
from dirbolt_dagster.markdown import cell, markdown_table


def rounded(value: Any, digits: int = 3) -> float:
    """A figure for float metadata: NaN when there is none (Dagster shows it as such)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return float("nan")
    return round(float(value), digits)


def outcomes_markdown(results: Sequence[SubmissionResult], links: ArtifactLinks | None = None) -> str:
    """A table of the job's outcomes; proof links are HTTP URLs (the operator web app, presigned S3)
    that the browser opens, never file:// ones."""
    rows = []
    for r in results:
        shot = links.url(r.screenshot_uri) if links is not None else None
        page = links.url(r.html_uri) if links is not None else None
        rows.append((r.directory_id, r.status.value, cell(r.reason, 120),
                     f"[listing]({r.listing_url})" if r.listing_url else "",
                     " · ".join(f"[{name}]({url})" for name, url in (("screenshot", shot), ("page", page)) if url)))
    return markdown_table(["directory", "status", "reason", "listing", "proof"], rows)


def artifact_links(artifacts: ArtifactStore) -> ArtifactLinks:
    return ArtifactLinks.from_settings(get_settings(), artifacts)


def submission_metadata(results: Sequence[SubmissionResult], links: ArtifactLinks | None = None) -> dict:
    counts = Counter(r.status.value for r in results)
    rate = success_rate(r.status for r in results)
    return {
        "directories": len(results),
        **{f"count_{status.value}": counts.get(status.value, 0) for status in SubmissionStatus},
        # A percentage the UI can plot; none when nothing was counted (all skipped).
        **({"success_rate_percent": dg.MetadataValue.float(round(rate * 100, 2))} if rate is not None else {}),
        "outcomes": dg.MetadataValue.md(outcomes_markdown(results, links)),
    }
