import dagster as dg

from dirbolt_dagster.verification.assets import mail_verification, mail_verification_job, pending_verification_sensor

defs = dg.Definitions(assets=[mail_verification], jobs=[mail_verification_job], sensors=[pending_verification_sensor])
