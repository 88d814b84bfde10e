"""Everything Dagster loads, assembled in one place: one `defs` per concern, the shared resources.

    intake/       the jobs queue (observed) and the SQS sensor
    submissions/  job_plan, submissions and their checks; submit_job
    migration/    legacy_comparison and its check, migration_rollup
    directories/  directory_readiness and its drift/ready-share checks; weekly re-probe; unprobed sensor
    reports/      job_report and its check; job_reports
    operations/   operator metrics, failed-job and health sensors
    followup/     after submission: mail_verification + pending_verification sensor, listing_followup (daily)
    resources.py  store, queue, browser, brain, artifacts (configured from Settings)
"""

from __future__ import annotations

import dagster as dg

from dirbolt_core.logs import configure_logging
from dirbolt_core.settings import get_settings
from dirbolt_dagster.directories import definitions as directories
from dirbolt_dagster.followup import definitions as followup
from dirbolt_dagster.intake import definitions as intake
from dirbolt_dagster.migration import definitions as migration
from dirbolt_dagster.operations import definitions as operations
from dirbolt_dagster.reports import definitions as reports
from dirbolt_dagster.resources import build_resources
from dirbolt_dagster.submissions import definitions as submissions
from dirbolt_dagster.warmstart import enable as enable_warm_run_starts

# Every process that loads the code (code server, run workers) logs JSON with customer data redacted.
configure_logging(json=True)
# In a code server: run processes forked from one that has imported all this once (warmstart.py).
enable_warm_run_starts()

# The concerns' modules, not their Definitions, at module scope: Dagster loads the one `defs`.
defs = dg.Definitions.merge(
    intake.defs, submissions.defs, migration.defs, reports.defs, operations.defs, directories.defs, followup.defs,
    dg.Definitions(resources=build_resources(get_settings())),
)
