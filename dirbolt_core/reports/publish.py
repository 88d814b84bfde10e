"""Publishing a job's report: build it, render it (HTML and CSV) and store both as artifacts."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

from dirbolt_core.artifacts import ArtifactStore
from dirbolt_core.db.store import Store
from dirbolt_core.reports.job_report import ProgressFn, StoredReport, build_job_report
from dirbolt_core.reports.render import render_csv, render_html
from dirbolt_core.web.links import ArtifactLinks

log = logging.getLogger(__name__)


def report_keys(job_id: uuid.UUID | str) -> tuple[str, str]:
    return f"reports/{job_id}/report.html", f"reports/{job_id}/report.csv"


def write_job_report(store: Store, job_id: uuid.UUID | str, artifacts: ArtifactStore, *,
                     out_dir: Path | None = None, on_progress: ProgressFn | None = None,
                     links: ArtifactLinks | None = None) -> StoredReport:
    """Build the report, store its HTML and CSV through the artifact store (and copy to out_dir).
    With `links`, each row's proof is an HTTP link (the operator web app, or a presigned S3 URL)."""
    report = build_job_report(store, job_id, artifacts, on_progress=on_progress)
    if links is not None:
        for row in report.rows:
            row.proof_uri = links.url(row.proof_uri) or row.proof_uri
            row.proof_html_uri = links.url(row.proof_html_uri) or row.proof_html_uri
    html, csv_text = render_html(report).encode(), render_csv(report).encode()
    html_key, csv_key = report_keys(report.job_id)
    stored = StoredReport(
        job_id=report.job_id,
        html_uri=artifacts.put(html_key, html, "text/html; charset=utf-8"),
        csv_uri=artifacts.put(csv_key, csv_text, "text/csv; charset=utf-8"),
        rows=len(report.rows), counts=report.counts, success_rate=report.success_rate,
        thumbnails=sum(1 for r in report.rows if r.thumbnail), short_by=report.short_by)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, data in ((f"dirbolt-report-{report.job_id}.html", html),
                           (f"dirbolt-report-{report.job_id}.csv", csv_text)):
            (out_dir / name).write_bytes(data)
            stored.local_paths.append(out_dir / name)
    log.info("report for job %s: %d directories, stored at %s", report.job_id, stored.rows, stored.html_uri,
             extra={"job_id": str(report.job_id)})
    return stored
