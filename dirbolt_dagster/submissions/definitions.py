import dagster as dg

from dirbolt_dagster.submissions.assets import job_plan, submissions
from dirbolt_dagster.submissions.jobs import submit_job

defs = dg.Definitions(assets=[job_plan, submissions], jobs=[submit_job])
