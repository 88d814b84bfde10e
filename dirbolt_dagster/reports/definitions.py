import dagster as dg

from dirbolt_dagster.reports.assets import job_report, job_reports_job

defs = dg.Definitions(assets=[job_report], jobs=[job_reports_job])
