"""Reports for customers (per-job HTML + CSV with proof) and metrics for operators."""

from dirbolt_core.reports.job_report import (
    JobNotFoundError,
    JobReport,
    ReportRow,
    StoredReport,
    build_job_report,
)
from dirbolt_core.reports.publish import report_keys, write_job_report
from dirbolt_core.reports.render import render_csv, render_html

__all__ = [
    "JobNotFoundError",
    "JobReport",
    "ReportRow",
    "StoredReport",
    "build_job_report",
    "render_csv",
    "render_html",
    "report_keys",
    "write_job_report",
]
