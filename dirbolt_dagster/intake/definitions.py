import dagster as dg

from dirbolt_dagster.intake.assets import jobs_queue_spec
from dirbolt_dagster.intake.sensors import sqs_jobs_sensor

defs = dg.Definitions(assets=[jobs_queue_spec], sensors=[sqs_jobs_sensor])
