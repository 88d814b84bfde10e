"""The customer's report in Dagster.

`job_report` (one partition per job, after `submissions`): the customer's HTML + CSV report,
stored through the artifact store; metadata links the stored files. It is also a step of every
submit run (its failure is reported by its check, never raised); `job_reports` backfills it.
"""

import time
import uuid
from typing import Any

import dagster as dg

from dirbolt_core.logs import log_context
from dirbolt_core.reports.publish import write_job_report
from dirbolt_dagster.partitions import jobs_partitions
from dirbolt_dagster.reporting import artifact_links, outcomes_markdown
from dirbolt_dagster.resources import ArtifactStoreResource, StoreResource
from dirbolt_dagster.submissions.assets import submissions

REPORTS_GROUP = "reports"


# ------------------------------------------------------------------ job report
REPORT_CHECK = "job_report_complete"


@dg.asset(
    partitions_def=jobs_partitions,
    deps=[submissions],
    group_name=REPORTS_GROUP,
    kinds={"html", "csv"},
    description="The customer's report: every directory with status, reason, listing URL, time and proof "
                "thumbnail; one self-contained HTML page (opens offline) and a CSV, in proof storage.",
    check_specs=[dg.AssetCheckSpec(REPORT_CHECK, asset="job_report", partitions_def=jobs_partitions,
                                   description="The stored report exists and has one row per planned "
                                               "directory.")],
)
def job_report(context: dg.AssetExecutionContext, store: StoreResource,
               artifacts: ArtifactStoreResource) -> dg.MaterializeResult:
    """Part of every submit run. A report problem is reported by the check, never raised: it must
    not fail, retry or dead-letter the job whose submissions are already recorded."""
    job_id = uuid.UUID(context.partition_key)
    started = time.monotonic()
    planned = len(store.store.submissions.planned_directory_ids(job_id))

    def on_progress(done: int, total: int, directory_id: str) -> None:
        if done == total or done % 10 == 0:
            context.log.info(f"[{done}/{total}] proof thumbnails ({directory_id})")

    with log_context(job_id=job_id, run_id=context.run.run_id):
        try:
            links = artifact_links(artifacts.artifacts())
            stored = write_job_report(store.store, job_id, artifacts.artifacts(), on_progress=on_progress, links=links)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            context.log.warning(f"report of job {job_id} failed: {error}")
            return dg.MaterializeResult(
                metadata={"error": error[:500]},
                check_results=[dg.AssetCheckResult(
                    check_name=REPORT_CHECK, passed=False, severity=dg.AssetCheckSeverity.WARN,
                    metadata={"planned": planned, "rows_in_report": -1, "error": error[:500]})])
    context.log.info(f"report of job {job_id}: {stored.rows} directories in {time.monotonic() - started:.1f}s, "
                     f"{stored.html_uri}")
    rows = artifacts.artifacts().read(stored.html_uri).decode().count('<tr class="row"')
    metadata: dict[str, Any] = {
        # Links the browser opens (the operator web app, or presigned S3), not file:// ones.
        "report_html": dg.MetadataValue.url(links.url(stored.html_uri) or stored.html_uri),
        "report_csv": dg.MetadataValue.url(links.url(stored.csv_uri) or stored.csv_uri),
        "directories": stored.rows,
        "proof_thumbnails": stored.thumbnails,
        **({"success_rate_percent": dg.MetadataValue.float(round(stored.success_rate * 100, 2))}
           if stored.success_rate is not None else {}),
        **{f"count_{status}": n for status, n in stored.counts.items()},
        "outcomes": dg.MetadataValue.md(outcomes_markdown(store.store.submissions.results(job_id), links)),
    }
    if stored.html_uri.startswith("file://"):
        metadata["report_path"] = dg.MetadataValue.path(stored.html_uri.removeprefix("file://"))
    check = dg.AssetCheckResult(
        check_name=REPORT_CHECK, passed=rows == planned, severity=dg.AssetCheckSeverity.WARN,
        metadata={"planned": planned, "rows_in_report": rows, "report": dg.MetadataValue.text(stored.html_uri)})
    return dg.MaterializeResult(metadata=metadata, check_results=[check])


job_reports_job = dg.define_asset_job(
    name="job_reports",
    selection=dg.AssetSelection.assets(job_report),
    description="Write customer reports for job partitions (backfill over many jobs from the UI).",
)
